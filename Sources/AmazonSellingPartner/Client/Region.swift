/// An SP-API region: its endpoint, its sandbox endpoint, and its marketplaces.
public struct Region: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var endpoint: String
    public var sandboxEndpoint: String
    /// The AWS region (for the days SP-API needed SigV4, and for SQS queues).
    public var awsRegion: String
    public var marketplaces: [String: String]

    public static let northAmerica = Region(
        name: "na", endpoint: "https://sellingpartnerapi-na.amazon.com", sandboxEndpoint: "https://sandbox.sellingpartnerapi-na.amazon.com",
        awsRegion: "us-east-1",
        marketplaces: ["A2EUQ1WTGCTBG2": "CA", "ATVPDKIKX0DER": "US", "A1AM78C64UM0Y8": "MX", "A2Q3Y263D00KWC": "BR"])
    public static let europe = Region(
        name: "eu", endpoint: "https://sellingpartnerapi-eu.amazon.com", sandboxEndpoint: "https://sandbox.sellingpartnerapi-eu.amazon.com",
        awsRegion: "eu-west-1",
        marketplaces: ["A28R8C7NBKEWEA": "IE", "A1RKKUPIHCS9HS": "ES", "A1F83G8C2ARO7P": "UK", "A13V1IB3VIYZZH": "FR",
                       "AMEN7PMS3EDWL": "BE", "A1805IZSGTT6HS": "NL", "A1PA6795UKMFR9": "DE", "APJ6JRA9NG5V4": "IT",
                       "A2NODRKZP88ZB9": "SE", "AE08WJ6YKNBMC": "ZA", "A1C3SOZRARQ6R3": "PL", "ARBP9OOSHTCHU": "EG",
                       "A33AVAJ2PDY3EV": "TR", "A17E79C6D8DWNP": "SA", "A2VIGQ35RCS4UG": "AE", "A21TJRUUN4KGV": "IN"])
    public static let farEast = Region(
        name: "fe", endpoint: "https://sellingpartnerapi-fe.amazon.com", sandboxEndpoint: "https://sandbox.sellingpartnerapi-fe.amazon.com",
        awsRegion: "us-west-2", marketplaces: ["A19VAU5U5O7RUS": "SG", "A39IBJ37TRP1C6": "AU", "A1VC38T7YXB528": "JP"])

    public static let all = [northAmerica, europe, farEast]

    /// The region a marketplace belongs to.
    public static func forMarketplace(_ id: String) -> Region? { all.first { $0.marketplaces[id] != nil } }

    /// A region by name (`na`, `eu`, `fe`).
    public static func named(_ name: String) -> Region? { all.first { $0.name == name.lowercased() } }

    public var description: String { name }
}
