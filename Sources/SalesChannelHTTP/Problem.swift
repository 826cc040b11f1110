import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAPIRuntime
import SalesChannel

/// An RFC 9457 problem: what every error of the API answers, as `application/problem+json`.
/// Its texts never carry buyer data or secrets.
struct Problem: Error, Sendable {
    var status: HTTPResponse.Status
    var title: String
    var detail: String?
    var type = "about:blank"
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, title: String? = nil, detail: String? = nil) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
    }

    static func unauthorized() -> Problem {
        var problem = Problem(.unauthorized, detail: "send `Authorization: Bearer TOKEN` with a token the deployment declares (auth.tokens)")
        problem.headers[.wwwAuthenticate] = #"Bearer realm="saleschannel""#
        return problem
    }

    static func notFound(_ what: String) -> Problem { Problem(.notFound, detail: what) }

    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, detail: detail) }

    var response: Response {
        var object: [String: Any] = ["type": type, "title": title, "status": Int(status.code)]
        if let detail { object["detail"] = detail }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The problem an error thrown by the engine stands for.
    static func from(_ error: any Error) -> Problem? {
        switch error {
        case let problem as Problem: return problem
        case let error as EngineError:
            switch error.code {
            case .notFound: return Problem(.notFound, detail: error.message)
            case .nothingToDo: return Problem(.conflict, detail: error.message)
            case .readOnly: return Problem(.serviceUnavailable, detail: error.message)
            }
        case let error as StoreError:
            switch error.code {
            case .orderNotFound, .jobNotFound: return Problem(.notFound, detail: error.message)
            case .jobNotFinished: return Problem(.conflict, detail: error.message)
            default: return nil
            }
        case let error as ShipmentRejection:
            return Problem(.unprocessableContent, title: "Refused", detail: error.description)
        case let error as OrderQueryError:
            return Problem(.badRequest, detail: error.description)
        default: return nil
        }
    }
}

/// Turns whatever a route throws into a problem response: problems as they are, Hummingbird's
/// errors by their status, a request the generated code could not decode as 400, and anything
/// else as a 500 whose details go to the log only.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return problem(for: error, request: request).response
        }
    }

    func problem(for error: any Error, request: Request) -> Problem {
        if let problem = Problem.from(error) { return problem }
        if let error = error as? ServerError {
            if let problem = Problem.from(error.underlyingError) { return problem }
            // The handlers throw only problems and engine errors: anything else was thrown
            // while the generated code read the request.
            if error.operationInput == nil {
                return Problem.badRequest("the request does not match the API (docs/openapi.yaml): a parameter or the body has the wrong type or form")
            }
        }
        if let error = error as? HTTPError {
            return Problem(error.status, detail: error.body)
        }
        logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: type(of: error)))"])
        return Problem(.internalServerError, detail: "the server failed; its log says more")
    }
}
