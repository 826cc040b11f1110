/// What a plugin is called, what it is for, and the keys of its configuration section.
public struct PluginDescriptor: Hashable, Sendable {
    public var name: String
    public var kind: PluginKind
    public var summary: String
    public var keys: [Key]

    public init(name: String, kind: PluginKind, summary: String, keys: [Key] = []) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.keys = keys
    }

    /// One documented configuration key.
    public struct Key: Hashable, Sendable {
        public var name: String
        public var type: String
        public var defaultValue: String?
        public var summary: String
        public var isSecret: Bool

        public init(_ name: String, _ type: String, default defaultValue: String? = nil, _ summary: String, secret: Bool = false) {
            self.name = name
            self.type = type
            self.defaultValue = defaultValue
            self.summary = summary
            self.isSecret = secret
        }
    }
}

/// The extension points a plugin can fill.
public enum PluginKind: String, Hashable, Sendable, CaseIterable {
    case store
    case source
    case customerPolicy = "customer-policy"
    case sink
    case notifier
    case intake

    /// Where plugins of this kind are named in a deployment file.
    public var deploymentKey: String {
        switch self {
        case .store: "store"
        case .source: "sources"
        case .customerPolicy: "customerPolicy"
        case .sink: "sinks"
        case .notifier: "notifiers"
        case .intake: "intakes"
        }
    }
}
