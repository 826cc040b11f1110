import Foundation
import Synchronization
import Yams

/// One scope of a deployment file, as a plugin's factory sees it.
///
/// Keys are read relative to the scope (`path`, not `sinks[0].path`). Every value can be
/// overridden from the environment: the variable is `SALESCHANNEL_` followed by the full key path
/// in upper snake case, camel case split and list indices as numbers (`sinks[0].path` →
/// `SALESCHANNEL_SINKS_0_PATH`). A value written as `${NAME}` is read from the variable `NAME`:
/// that is how secrets stay out of files. Keys a section is never asked for are reported as
/// unknown by ``ConfigSection/checkNoUnknownKeys()``.
public struct ConfigSection {
    /// The deployment file, for error messages.
    public let file: String
    /// Path from the top of the file, for error messages and environment names.
    public let path: [String]
    private let node: Node?
    private let environment: [String: String]
    private let tracker: Tracker

    /// Parses a deployment file.
    /// - Throws: ``DeploymentError`` when the file cannot be read or is not a YAML mapping.
    public static func load(file: String, environment: [String: String]) throws(DeploymentError) -> ConfigSection {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw DeploymentError(file: file, key: "", problem: "no such file")
        }
        guard !isDirectory.boolValue else { throw DeploymentError(file: file, key: "", problem: "is a folder, not a deployment file") }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        guard size <= maximumSize else {
            throw DeploymentError(file: file, key: "", problem: "is \(size) bytes; a deployment file may be at most \(maximumSize) bytes")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw DeploymentError(file: file, key: "", problem: "cannot be read (\(Self.reason(error)))")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw DeploymentError(file: file, key: "", problem: "is not UTF-8 text") }
        return try parse(text, file: file, environment: environment)
    }

    /// The largest deployment file read (1 MiB): anything bigger is not a deployment file.
    public static let maximumSize = 1 << 20

    /// Parses deployment text; `file` names it in errors.
    public static func parse(_ text: String, file: String, environment: [String: String]) throws(DeploymentError) -> ConfigSection {
        // Aliases can make a few hundred bytes expand to billions of values (and the YAML
        // library hashes them whole): a deployment file has no need of them.
        if let (line, column) = aliasPosition(in: text) {
            throw DeploymentError(file: file, key: "", problem: "line \(line), column \(column): YAML aliases (`*name`) are not accepted in deployment files; write the value out (use ${VARIABLE} for what several sections share), or quote a value that starts with `*`")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw DeploymentError(file: file, key: "", problem: "not valid YAML: " + Self.describe(error))
        } catch {
            throw DeploymentError(file: file, key: "", problem: "not valid YAML")
        }
        if let node, node.mapping == nil {
            throw DeploymentError(file: file, key: "", problem: "the file must be a mapping of keys to values")
        }
        return ConfigSection(file: file, path: [], node: node, environment: environment, tracker: Tracker())
    }

    /// Where the first YAML alias (`*name`) of `text` is (1-based line and column), if any: a
    /// `*` where a node starts, outside quotes and comments. In block context a node starts at
    /// a line's first character, after `- ` or `? ` there, and after `: `; in a flow collection
    /// (`[ ]`, `{ }`, which may span lines) after `[`, `{`, `,` and `:`; an anchor (`&a`) or a tag
    /// (`!t`) before it does not change that. A plain YAML value cannot start with `*`, so each
    /// of these is an alias.
    static func aliasPosition(in text: String) -> (line: Int, column: Int)? {
        var lineNumber = 0
        var quote: Character?
        var flowDepth = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let characters = Array(line)
            // A line in block context starts a node; in a flow collection, what came before decides.
            var valueStarts = flowDepth == 0 ? true : quote == nil
            var inProperty = false
            var index = 0
            while index < characters.count {
                let character = characters[index]
                let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
                let spaceFollows = next == nil || next == " " || next == "\t"
                defer { index += 1 }
                if let open = quote {
                    if character == open {
                        // `''` inside single quotes is an escaped quote.
                        if open == "'" && next == "'" { index += 1; continue }
                        quote = nil
                        valueStarts = false
                    } else if open == "\"" && character == "\\" {
                        index += 1
                    }
                    continue
                }
                if inProperty {
                    if character == " " || character == "\t" { inProperty = false }
                    continue
                }
                switch character {
                case " ", "\t":
                    continue
                case "#" where index == 0 || characters[index - 1] == " " || characters[index - 1] == "\t":
                    index = characters.count
                    continue
                case _ where (character == "&" || character == "!") && valueStarts:
                    inProperty = true
                    continue
                case "*" where valueStarts:
                    if let next, !next.isWhitespace { return (lineNumber, index + 1) }
                    valueStarts = false
                case _ where (character == "'" || character == "\"") && valueStarts:
                    quote = character
                    valueStarts = false
                case _ where (character == "[" || character == "{") && (valueStarts || flowDepth > 0):
                    flowDepth += 1
                    valueStarts = true
                case _ where (character == "]" || character == "}") && flowDepth > 0:
                    flowDepth -= 1
                    valueStarts = false
                case "," where flowDepth > 0:
                    valueStarts = true
                case ":" where flowDepth > 0 || spaceFollows:
                    valueStarts = true
                case _ where (character == "-" || character == "?") && flowDepth == 0 && valueStarts && spaceFollows:
                    valueStarts = true
                default:
                    valueStarts = false
                }
            }
        }
        return nil
    }

    /// A YAML error as a line and column and what went wrong, never the file's contents (a
    /// deployment file may hold a literal secret).
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)" + (context.map { " (\($0.text))" } ?? "")
        case .composer(let context, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)" + (context.map { " (\($0.text))" } ?? "")
        case .reader(let problem, let offset, _, _):
            return "\(problem)" + (offset.map { " at byte \($0)" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "line \(context.mark.line): a key appears twice in one mapping: " + duplicates.sorted().joined(separator: ", ")
        default:
            return "the file cannot be parsed"
        }
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }

    /// An empty configuration (every key at its default, environment overrides still apply).
    public static func empty(file: String = "(defaults)", environment: [String: String] = [:]) -> ConfigSection {
        ConfigSection(file: file, path: [], node: nil, environment: environment, tracker: Tracker())
    }

    private init(file: String, path: [String], node: Node?, environment: [String: String], tracker: Tracker) {
        self.file = file
        self.path = path
        self.node = node
        self.environment = environment
        self.tracker = tracker
    }

    /// The dotted name of a key in this section, as errors show it.
    public func keyPath(_ key: String? = nil) -> String {
        var text = ""
        for part in path + (key.map { [$0] } ?? []) {
            if Int(part) != nil { text += "[\(part)]" } else { text += text.isEmpty ? part : ".\(part)" }
        }
        return text
    }

    /// The environment variable that overrides a key of this section.
    public func environmentName(_ key: String) -> String {
        "SALESCHANNEL_" + (path + [key]).map(Self.upperSnake).joined(separator: "_")
    }

    static func upperSnake(_ name: String) -> String {
        var result = ""
        var previous: Character?
        for character in name {
            if character == "-" || character == "." { result += "_"; previous = character; continue }
            if character.isUppercase, let previous, previous.isLowercase || previous.isNumber { result += "_" }
            result += character.uppercased()
            previous = character
        }
        return result
    }

    // MARK: Structure

    /// Whether the key is present in the file (asking makes it a known key here).
    public func contains(_ key: String) -> Bool {
        tracker.asked(path: keyPath(), key: key)
        return node?.mapping?[key] != nil || environment[environmentName(key)] != nil
    }

    /// A nested section (absent sections read as empty, so every key takes its default).
    public func section(_ key: String) throws(DeploymentError) -> ConfigSection {
        tracker.asked(path: keyPath(), key: key)
        let child = node?.mapping?[key]
        if let child, child.mapping == nil, !(child.scalar?.string.isEmpty ?? false) {
            try report(DeploymentError(file: file, key: keyPath(key), problem: "must be a mapping of keys to values"))
        }
        return ConfigSection(file: file, path: path + [key], node: child?.mapping == nil ? nil : child, environment: environment, tracker: tracker)
    }

    /// The elements of a list of sections (an absent key is an empty list).
    public func list(_ key: String) throws(DeploymentError) -> [ConfigSection] {
        tracker.asked(path: keyPath(), key: key)
        guard let child = node?.mapping?[key] else { return [] }
        guard let sequence = child.sequence else {
            try report(DeploymentError(file: file, key: keyPath(key), problem: "must be a list"))
            return []
        }
        var sections: [ConfigSection] = []
        for (index, element) in sequence.enumerated() {
            let elementPath = path + [key, String(index)]
            guard element.mapping != nil else {
                try report(DeploymentError(file: file, key: ConfigSection(file: file, path: elementPath, node: nil, environment: [:], tracker: tracker).keyPath(), problem: "each element must be a mapping of keys to values"))
                continue
            }
            sections.append(ConfigSection(file: file, path: elementPath, node: element, environment: environment, tracker: tracker))
        }
        return sections
    }

    // MARK: Showing

    /// The section as JSON, for showing the deployment in force (`GET /api/v1/deployment`):
    /// values written in the file as they are, and every value that comes from the environment
    /// (`${NAME}`, or a `SALESCHANNEL_…` override) as `<redacted>`, since the environment is
    /// where secrets live, as are the values of the keys named in `hiding` wherever they
    /// stand. The file itself refuses secrets written out.
    public func redactedJSON(hiding hidden: Set<String> = []) -> Data {
        func show(_ node: Node, path: [String]) -> Any {
            let here = ConfigSection(file: file, path: path, node: nil, environment: environment, tracker: tracker)
            if let mapping = node.mapping {
                var object: [String: Any] = [:]
                for (keyNode, value) in mapping {
                    let key = keyNode.string ?? ""
                    let redacted = hidden.contains(key) || environment[here.environmentName(key)] != nil
                    object[key] = redacted ? "<redacted>" : show(value, path: path + [key])
                }
                return object
            }
            if let sequence = node.sequence {
                return sequence.enumerated().map { show($0.element, path: path + [String($0.offset)]) }
            }
            guard let scalar = node.scalar else { return NSNull() }
            let text = scalar.string
            if text.hasPrefix("${"), text.hasSuffix("}") { return "<redacted>" }
            if scalar.style == .plain {
                if ["", "~", "null", "Null", "NULL"].contains(text) { return NSNull() }
                if let bool = node.bool { return bool }
                if let int = node.int { return int }
                if let double = node.float, double.isFinite { return double }
            }
            return text
        }
        let tree = node.map { show($0, path: path) } ?? [String: Any]()
        return (try? JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    // MARK: Values

    /// A string value: the environment override, else the file, else `nil`.
    public func string(_ key: String) throws(DeploymentError) -> String? {
        try rawValue(key, secret: false)
    }

    /// Whether the value of `key` comes from the environment (`${NAME}` in the file, or the
    /// override variable) rather than being written in the file.
    public func isFromEnvironment(_ key: String) -> Bool {
        if environment[environmentName(key)] != nil { return true }
        guard let text = node?.mapping?[key]?.scalar?.string else { return false }
        return text.hasPrefix("${") && text.hasSuffix("}")
    }

    /// A string value that must be present.
    public func requiredString(_ key: String) throws(DeploymentError) -> String {
        guard let value = try string(key), !value.isEmpty else {
            try report(DeploymentError(file: file, key: keyPath(key), problem: "is required (or set \(environmentName(key)))"))
            return ""
        }
        return value
    }

    /// A secret: write it as `${NAME}` in the file (or set the override variable); it never prints.
    public func secret(_ key: String) throws(DeploymentError) -> Secret? {
        try rawValue(key, secret: true).map(Secret.init)
    }

    public func requiredSecret(_ key: String) throws(DeploymentError) -> Secret {
        guard let value = try secret(key), !value.value.isEmpty else {
            try report(DeploymentError(file: file, key: keyPath(key), problem: "is required: write `${VARIABLE}` and set that variable, or set \(environmentName(key))"))
            return Secret("")
        }
        return value
    }

    /// A URL with one of `schemes`, a host, and (when given) a port from 1 to 65535; `nil` when
    /// the key is absent.
    public func url(_ key: String, schemes: [String] = ["http", "https"]) throws(DeploymentError) -> URL? {
        guard let text = try string(key) else { return nil }
        var components = URLComponents(string: text)
        // Never repeat a password written into a URL.
        let shown = components.flatMap { shown in
            guard shown.password != nil else { return nil }
            var copy = shown
            copy.password = "…"
            return copy.string
        } ?? text
        let allowed = schemes.map { "\($0)://HOST[:PORT]/…" }
        let kind = schemes == ["http", "https"] ? "an http(s)" : "a \(schemes.joined(separator: " or "))"
        guard let parsed = components, let scheme = parsed.scheme?.lowercased(), schemes.contains(scheme) else {
            try report(DeploymentError(file: file, key: label(key), problem: "`\(shown)` is not \(kind) URL", allowed: allowed))
            return nil
        }
        guard let host = parsed.host, !host.isEmpty else {
            try report(DeploymentError(file: file, key: label(key), problem: "`\(shown)` has no host", allowed: allowed))
            return nil
        }
        if let port = parsed.port, !(1...65535).contains(port) {
            try report(DeploymentError(file: file, key: label(key), problem: "`\(shown)` has port \(port); a port is from 1 to 65535"))
            return nil
        }
        components?.scheme = scheme
        return components?.url
    }

    /// A whole number within `range`.
    public func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(DeploymentError) -> Int {
        guard let text = try string(key) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            try report(DeploymentError(file: file, key: label(key), problem: "`\(text)` is not a whole number from \(range.lowerBound) to \(range.upperBound)"))
            return defaultValue
        }
        return value
    }

    /// A number within `range`.
    public func double(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(DeploymentError) -> Double {
        guard let text = try string(key) else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            try report(DeploymentError(file: file, key: label(key), problem: "`\(text)` is not a number from \(Self.number(range.lowerBound)) to \(Self.number(range.upperBound))"))
            return defaultValue
        }
        return value
    }

    /// `true`/`false` (also `yes`/`no`, `on`/`off`).
    public func bool(_ key: String, default defaultValue: Bool) throws(DeploymentError) -> Bool {
        guard let text = try string(key) else { return defaultValue }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            try report(DeploymentError(file: file, key: label(key), problem: "`\(text)` is not allowed", allowed: ["true", "false"]))
            return defaultValue
        }
    }

    /// One of a fixed set of values.
    public func choice<Value: RawRepresentable & CaseIterable>(
        _ key: String, default defaultValue: Value
    ) throws(DeploymentError) -> Value where Value.RawValue == String {
        guard let text = try string(key) else { return defaultValue }
        guard let value = Value(rawValue: text) else {
            try report(DeploymentError(file: file, key: label(key), problem: "`\(text)` is not allowed", allowed: Value.allCases.map(\.rawValue)))
            return defaultValue
        }
        return value
    }

    /// A value from a fixed list of names.
    public func oneOf(_ key: String, _ allowed: [String], default defaultValue: String) throws(DeploymentError) -> String {
        guard let text = try string(key) else { return defaultValue }
        guard allowed.contains(text) else {
            try report(DeploymentError(file: file, key: label(key), problem: "`\(text)` is not allowed", allowed: allowed))
            return defaultValue
        }
        return text
    }

    private func rawValue(_ key: String, secret: Bool) throws(DeploymentError) -> String? {
        tracker.asked(path: keyPath(), key: key)
        if let override = environment[environmentName(key)] { return override }
        guard let child = node?.mapping?[key] else { return nil }
        guard let scalar = child.scalar else {
            try report(DeploymentError(file: file, key: keyPath(key), problem: "must be a single value, not a list or mapping"))
            return nil
        }
        let text = scalar.string
        if text.hasPrefix("${"), text.hasSuffix("}") {
            let name = String(text.dropFirst(2).dropLast())
            guard let value = environment[name] else {
                try report(DeploymentError(file: file, key: keyPath(key), problem: "refers to the environment variable \(name), which is not set"))
                return nil
            }
            return value
        }
        if secret && !text.isEmpty {
            try report(DeploymentError(file: file, key: keyPath(key), problem: "is a secret: write `${VARIABLE}` and set that variable instead of putting the value in the file"))
            return nil
        }
        let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(text)
        return isNull ? nil : text
    }

    /// A number as people write it (`120`, not `120.0`).
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    // MARK: Unknown keys

    /// Reports every key in the file that no reader asked for, naming the keys that are allowed
    /// where it stands (thrown for the first unless collecting). Call after every plugin has read
    /// its section.
    public func checkNoUnknownKeys() throws(DeploymentError) {
        guard let node else { return }
        try check(node, path: [])
    }

    private func check(_ node: Node, path: [String]) throws(DeploymentError) {
        let here = ConfigSection(file: file, path: path, node: nil, environment: [:], tracker: tracker)
        if let mapping = node.mapping {
            // A plugin's section with a problem was not read to the end: its other keys are not
            // unknown, only unread, and reporting them would bury the real problem.
            let prefix = here.keyPath()
            let problems = tracker.problems
            let isPluginSection = mapping.keys.contains { $0.string == "plugin" } || problems.contains { $0.key == prefix + ".plugin" }
            if !path.isEmpty, isPluginSection, problems.contains(where: { Self.key($0.key, isWithin: prefix) }) {
                return
            }
            let allowed = tracker.keys(at: prefix)
            for (keyNode, value) in mapping {
                let key = keyNode.string ?? ""
                guard allowed.contains(key) else {
                    try report(DeploymentError(file: file, key: here.keyPath(key), problem: "unknown key", allowed: allowed.sorted()))
                    continue
                }
                try check(value, path: path + [key])
            }
        } else if let sequence = node.sequence {
            for (index, element) in sequence.enumerated() { try check(element, path: path + [String(index)]) }
        }
    }

    /// Whether a reported key (`sources[0].endpoint (from …)`) is `prefix` or within it.
    static func key(_ key: String, isWithin prefix: String) -> Bool {
        guard key.hasPrefix(prefix) else { return false }
        let rest = key.dropFirst(prefix.count)
        return rest.isEmpty || rest.hasPrefix(".") || rest.hasPrefix("[") || rest.hasPrefix(" ")
    }

    /// Remembers which keys were asked for where, across every copy of a section, and (while
    /// collecting) the problems found.
    final class Tracker: Sendable {
        struct State {
            var asked: [String: Set<String>] = [:]
            var collecting = false
            var problems: [DeploymentError] = []
        }
        private let state = Mutex(State())
        func asked(path: String, key: String) { state.withLock { _ = $0.asked[path, default: []].insert(key) } }
        func keys(at path: String) -> Set<String> { state.withLock { $0.asked[path] ?? [] } }
        func startCollecting() { state.withLock { $0.collecting = true } }
        /// Records the problem when collecting, the first one only for each key (a missing
        /// variable is not also reported as a missing value). - Returns: whether collecting.
        func record(_ problem: DeploymentError) -> Bool {
            state.withLock { state in
                guard state.collecting else { return false }
                if !state.problems.contains(where: { $0.file == problem.file && $0.key == problem.key }) {
                    state.problems.append(problem)
                }
                return true
            }
        }
        var problems: [DeploymentError] { state.withLock { $0.problems } }
    }

    // MARK: Collecting problems

    /// From now on, a problem found in a value is recorded and reading goes on with the value's
    /// default, so that one pass finds every problem of a file (`config check`, and the check
    /// every command makes before it touches anything). Applies to every section of the file.
    public func startCollecting() { tracker.startCollecting() }

    /// The problems recorded while collecting, in the order they were found.
    public var problems: [DeploymentError] { tracker.problems }

    /// Reports a problem: thrown at once, or recorded while collecting.
    public func report(_ problem: DeploymentError) throws(DeploymentError) {
        guard tracker.record(problem) else { throw problem }
    }

    /// The key as errors name it: its path, and the environment variable when one set the value.
    func label(_ key: String) -> String {
        let name = environmentName(key)
        return environment[name] != nil ? "\(keyPath(key)) (from \(name))" : keyPath(key)
    }
}
