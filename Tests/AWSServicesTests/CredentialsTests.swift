import AWSServices
import Foundation
import RequestSigning
import Testing

@Suite struct CredentialsTests {
    @Test func theEnvironmentGivesKeySecretAndSessionToken() async throws {
        let provider = EnvironmentCredentialProvider(environment: {
            ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token"]
        })
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID == "AKIAENV")
        #expect(credentials.secretAccessKey == "env-secret")
        #expect(credentials.sessionToken == "env-token")
        #expect(!String(describing: credentials).contains("env-secret"))
        #expect(!String(describing: credentials).contains("env-token"))
    }

    @Test func aKeyWithoutItsSecretIsRefusedWithoutShowingTheKey() async throws {
        let provider = EnvironmentCredentialProvider(environment: { ["AWS_ACCESS_KEY_ID": "AKIAENV"] })
        let error = await #expect(throws: AWSCredentialsError.self) { try await provider.credentials() }
        #expect(error?.description.contains("AWS_SECRET_ACCESS_KEY") == true)
        #expect(EnvironmentCredentialProvider(environment: { [:] }).isConfigured == false)
    }

    @Test func theSharedFileGivesTheNamedProfile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            # a comment
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret

            [profile saleschannel]
            AWS_ACCESS_KEY_ID=AKIASALES
            aws_secret_access_key =  sales/secret+value=
            aws_session_token = sales-token
            ; another comment
            [broken]
            aws_access_key_id = AKIABROKEN
            """.write(to: file, atomically: true, encoding: .utf8)
        let sales = try await SharedCredentialsFileProvider(path: file.path, profile: "saleschannel").credentials()
        #expect(sales.accessKeyID == "AKIASALES")
        #expect(sales.secretAccessKey == "sales/secret+value=")
        #expect(sales.sessionToken == "sales-token")
        let standard = SharedCredentialsFileProvider.standard(environment: ["AWS_SHARED_CREDENTIALS_FILE": file.path])
        #expect(standard.profile == "default")
        #expect(try await standard.credentials().accessKeyID == "AKIADEFAULT")

        let missing = await #expect(throws: AWSCredentialsError.self) {
            try await SharedCredentialsFileProvider(path: file.path, profile: "absent").credentials()
        }
        #expect(missing?.description.contains("[absent]") == true)
        #expect(missing?.description.contains("saleschannel") == true)
        let broken = await #expect(throws: AWSCredentialsError.self) {
            try await SharedCredentialsFileProvider(path: file.path, profile: "broken").credentials()
        }
        #expect(broken?.description.contains("aws_secret_access_key") == true)
        #expect(broken?.description.contains("AKIABROKEN") == false)
    }

    @Test func theStandardFileIsInTheHomeFolderUnderTheProfileNamedByTheEnvironment() {
        let standard = SharedCredentialsFileProvider.standard(environment: ["AWS_PROFILE": "shop"], home: "/home/merchant")
        #expect(standard.path == "/home/merchant/.aws/credentials")
        #expect(standard.profile == "shop")
    }
}

@Suite struct ServiceErrorTests {
    @Test func aSignatureRefusalsEchoOfTheCanonicalRequestIsCutAndTokensAreBlanked() {
        let echoed = AWSServiceError(
            service: "sqs", action: "ReceiveMessage", status: 403, code: "SignatureDoesNotMatch",
            message: "The request signature we calculated does not match the signature you provided. The Canonical String for this request should have been\n'POST\n/\n\nhost:sqs.us-east-1.amazonaws.com\nx-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLE\n'")
        #expect(!echoed.description.contains("IQoJb3JpZ2lu"))
        #expect(echoed.message == "The request signature we calculated does not match the signature you provided.")
        let inline = AWSServiceError(service: "sts", action: "AssumeRole", status: 400, code: "InvalidParameter",
                                     message: "header x-amz-security-token: SECRETTOKEN123 was not expected")
        #expect(!inline.description.contains("SECRETTOKEN123"))
        #expect(inline.description.contains("x-amz-security-token:<redacted>"))
    }
}
