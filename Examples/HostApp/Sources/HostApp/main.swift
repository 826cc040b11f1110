import AmazonSandbox
import Foundation
import Logging
import Shop

// Starts the Amazon sandbox in this process, imports its orders into the shop once, and prints
// the shop's orders. Point `ShopImport.importOnce` at a real `AmazonAccount` to do the same live.
var logger = Logger(label: "host-app")
logger.logLevel = .warning
var sandbox = SandboxConfiguration()
sandbox.orders = 80
let folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("host-app-data")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
let shop = ShopBackend()
let settings = sandbox
let counters = try await AmazonSandbox.withRunning(settings) { [logger] endpoint in
    try await ShopImport.importOnce(account: ShopImport.sandboxAccount(endpoint, settings), into: shop, folder: folder, logger: logger)
}
for order in await shop.orders {
    let items = order.lines.map { "\($0.quantity)× \($0.sku)" }.joined(separator: ", ")
    print("\(order.number)  Amazon \(order.amazonOrderID)  \(order.status)  \(order.grandTotal?.description ?? "-")  \(items)")
}
print("\(counters.ordersSeen) Amazon orders seen, \(await shop.orders.count) shop orders, \(await shop.customers.count) customers, \(counters.apiCalls) API calls")
