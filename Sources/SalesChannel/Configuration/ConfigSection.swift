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
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw DeploymentError(file: file, key: "", problem: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, file: file, environment: environment)
    }

    /// Parses deployment text; `file` names it in errors.
    public static func parse(_ text: String, file: String, environment: [String: String]) throws(DeploymentError) -> ConfigSection {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw DeploymentError(file: file, key: "", problem: "not valid YAML: \(error)")
        }
        if let node, node.mapping == nil {
            throw DeploymentError(file: file, key: "", problem: "the file must be a mapping of keys to values")
        }
        return ConfigSection(file: file, path: [], node: node, environment: environment, tracker: Tracker())
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

    /// Whether the key is present in the file.
    public func contains(_ key: String) -> Bool {
        node?.mapping?[key] != nil || environment[environmentName(key)] != nil
    }

    /// A nested section (absent sections read as empty, so every key takes its default).
    public func section(_ key: String) throws(DeploymentError) -> ConfigSection {
        tracker.asked(path: keyPath(), key: key)
        let child = node?.mapping?[key]
        if let child, child.mapping == nil, !(child.scalar?.string.isEmpty ?? false) {
            throw DeploymentError(file: file, key: keyPath(key), problem: "must be a mapping of keys to values")
        }
        return ConfigSection(file: file, path: path + [key], node: child?.mapping == nil ? nil : child, environment: environment, tracker: tracker)
    }

    /// The elements of a list of sections (an absent key is an empty list).
    public func list(_ key: String) throws(DeploymentError) -> [ConfigSection] {
        tracker.asked(path: keyPath(), key: key)
        guard let child = node?.mapping?[key] else { return [] }
        guard let sequence = child.sequence else {
            throw DeploymentError(file: file, key: keyPath(key), problem: "must be a list")
        }
        var sections: [ConfigSection] = []
        for (index, element) in sequence.enumerated() {
            let elementPath = path + [key, String(index)]
            guard element.mapping != nil else {
                throw DeploymentError(file: file, key: ConfigSection(file: file, path: elementPath, node: nil, environment: [:], tracker: tracker).keyPath(), problem: "each element must be a mapping of keys to values")
            }
            sections.append(ConfigSection(file: file, path: elementPath, node: element, environment: environment, tracker: tracker))
        }
        return sections
    }

    // MARK: Values

    /// A string value: the environment override, else the file, else `nil`.
    public func string(_ key: String) throws(DeploymentError) -> String? {
        try rawValue(key, secret: false)
    }

    /// A string value that must be present.
    public func requiredString(_ key: String) throws(DeploymentError) -> String {
        guard let value = try string(key), !value.isEmpty else {
            throw DeploymentError(file: file, key: keyPath(key), problem: "is required (or set \(environmentName(key)))")
        }
        return value
    }

    /// A secret: write it as `${NAME}` in the file (or set the override variable); it never prints.
    public func secret(_ key: String) throws(DeploymentError) -> Secret? {
        try rawValue(key, secret: true).map(Secret.init)
    }

    public func requiredSecret(_ key: String) throws(DeploymentError) -> Secret {
        guard let value = try secret(key), !value.value.isEmpty else {
            throw DeploymentError(file: file, key: keyPath(key), problem: "is required: write `${VARIABLE}` and set that variable, or set \(environmentName(key))")
        }
        return value
    }

    /// A whole number within `range`.
    public func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(DeploymentError) -> Int {
        guard let text = try string(key) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw DeploymentError(file: file, key: keyPath(key), problem: "`\(text)` is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A number within `range`.
    public func double(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(DeploymentError) -> Double {
        guard let text = try string(key) else { return defaultValue }
        guard let value = Double(text), range.contains(value) else {
            throw DeploymentError(file: file, key: keyPath(key), problem: "`\(text)` is not a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `true`/`false` (also `yes`/`no`, `on`/`off`).
    public func bool(_ key: String, default defaultValue: Bool) throws(DeploymentError) -> Bool {
        guard let text = try string(key) else { return defaultValue }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw DeploymentError(file: file, key: keyPath(key), problem: "`\(text)` is not allowed", allowed: ["true", "false"])
        }
    }

    /// One of a fixed set of values.
    public func choice<Value: RawRepresentable & CaseIterable>(
        _ key: String, default defaultValue: Value
    ) throws(DeploymentError) -> Value where Value.RawValue == String {
        guard let text = try string(key) else { return defaultValue }
        guard let value = Value(rawValue: text) else {
            throw DeploymentError(file: file, key: keyPath(key), problem: "`\(text)` is not allowed", allowed: Value.allCases.map(\.rawValue))
        }
        return value
    }

    /// A value from a fixed list of names.
    public func oneOf(_ key: String, _ allowed: [String], default defaultValue: String) throws(DeploymentError) -> String {
        guard let text = try string(key) else { return defaultValue }
        guard allowed.contains(text) else {
            throw DeploymentError(file: file, key: keyPath(key), problem: "`\(text)` is not allowed", allowed: allowed)
        }
        return text
    }

    private func rawValue(_ key: String, secret: Bool) throws(DeploymentError) -> String? {
        tracker.asked(path: keyPath(), key: key)
        if let override = environment[environmentName(key)] { return override }
        guard let child = node?.mapping?[key] else { return nil }
        guard let scalar = child.scalar else {
            throw DeploymentError(file: file, key: keyPath(key), problem: "must be a single value, not a list or mapping")
        }
        let text = scalar.string
        if text.hasPrefix("${"), text.hasSuffix("}") {
            let name = String(text.dropFirst(2).dropLast())
            guard let value = environment[name] else {
                throw DeploymentError(file: file, key: keyPath(key), problem: "refers to the environment variable \(name), which is not set")
            }
            return value
        }
        if secret && !text.isEmpty {
            throw DeploymentError(file: file, key: keyPath(key), problem: "is a secret: write `${VARIABLE}` and set that variable instead of putting the value in the file")
        }
        let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(text)
        return isNull ? nil : text
    }

    // MARK: Unknown keys

    /// Throws for the first key in the file that no reader asked for, naming the keys that are
    /// allowed where it stands. Call after every plugin has read its section.
    public func checkNoUnknownKeys() throws(DeploymentError) {
        guard let node else { return }
        try check(node, path: [])
    }

    private func check(_ node: Node, path: [String]) throws(DeploymentError) {
        let here = ConfigSection(file: file, path: path, node: nil, environment: [:], tracker: tracker)
        if let mapping = node.mapping {
            let allowed = tracker.keys(at: here.keyPath())
            for (keyNode, value) in mapping {
                let key = keyNode.string ?? ""
                guard allowed.contains(key) else {
                    throw DeploymentError(file: file, key: here.keyPath(key), problem: "unknown key", allowed: allowed.sorted())
                }
                try check(value, path: path + [key])
            }
        } else if let sequence = node.sequence {
            for (index, element) in sequence.enumerated() { try check(element, path: path + [String(index)]) }
        }
    }

    /// Remembers which keys were asked for where, across every copy of a section.
    final class Tracker: Sendable {
        private let state = Mutex<[String: Set<String>]>([:])
        func asked(path: String, key: String) { state.withLock { _ = $0[path, default: []].insert(key) } }
        func keys(at path: String) -> Set<String> { state.withLock { $0[path] ?? [] } }
    }
}
