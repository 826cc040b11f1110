import Foundation

/// Amazon's carrier codes for confirming a shipment (`PackageDetail.carrierCode`).
///
/// Source: the `CarrierCode` enumeration of Amazon's order fulfillment schema
/// (`amzn-base.xsd`, release 4.1, which `confirmShipment`'s carrier codes follow: "The carrier
/// code must … match Seller Central", `reference/spapi-notes.md` §4 and §7.11). The list as
/// widely mirrored; a carrier missing here is sent as `Other` with its name.
public enum CarrierCode {
    public static let known: [String] = [
        "USPS", "UPS", "UPSMI", "FedEx", "DHL", "Fastway", "GLS", "GO!", "Hermes Logistik Gruppe", "Royal Mail", "Parcelforce",
        "City Link", "TNT", "Target", "SagawaExpress", "NipponExpress", "YamatoTransport", "DHL Global Mail", "UPS Mail Innovations",
        "FedEx SmartPost", "OSM", "OnTrac", "Streamlite", "Newgistics", "Canada Post", "Blue Package", "Chronopost", "Deutsche Post",
        "DPD", "La Poste", "Parcelnet", "Poste Italiane", "SDA", "Smartmail", "FEDEX_JP", "JP_EXPRESS", "NITTSU", "SAGAWA", "YAMATO",
        "BlueDart", "AFL/Fedex", "Aramex", "India Post", "Professional", "DTDC", "Overnite Express", "First Flight", "Delhivery",
        "Lasership", "Yodel", "Other",
    ]

    /// The code as Amazon spells it, matched without regard to case, spaces and punctuation
    /// (`ups` → `UPS`, `royalmail` → `Royal Mail`); `nil` when it is not one of Amazon's.
    public static func canonical(_ code: String) -> String? {
        let key = folded(code)
        guard !key.isEmpty else { return nil }
        return known.first { folded($0) == key }
    }

    /// Known codes close to an unknown one (a typing slip, a part of the name), best first.
    public static func suggestions(for code: String) -> [String] {
        let key = folded(code)
        guard !key.isEmpty else { return [] }
        let scored = known.map { candidate -> (String, Int) in
            let other = folded(candidate)
            if other.hasPrefix(key) || key.hasPrefix(other) { return (candidate, 0) }
            return (candidate, distance(key, other))
        }
        return scored.filter { $0.1 <= max(1, key.count / 3) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    static func folded(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }

    /// Edit distance (insertions, deletions, substitutions).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
