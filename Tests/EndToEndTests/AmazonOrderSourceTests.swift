import AmazonChannel
import AmazonSandbox
import AmazonSellingPartner
import Foundation
import Logging
import MetricsTestKit
import SalesChannel
import SalesChannelTesting
import Testing

/// The Amazon sources against the sandbox on virtual time: windows Amazon accepts, the budget
/// they share, sweeps from its slack, and what stops a source.
struct AmazonOrderSourceTests {
    @Test func everyPageOfAWindowRepeatsItsValuesAndTheNextWindowStartsWhereItEnded() async throws {
        try await VirtualAmazon.run({ $0.orders = 500; $0.existingShare = 1; $0.rateLimits = false }) { amazon in
            var source = amazon.source(.merchant)
            source.sweepInterval = nil
            source.pageSize = 50
            var checkpoint: SyncCheckpoint?
            var windows: [SearchWindow] = []
            var seen: Set<String> = []
            var more = true
            while more {
                let page = try await source.changes(after: checkpoint)
                seen.formUnion(page.orders.map(\.amazonOrderID.rawValue))
                checkpoint = page.checkpoint
                more = page.hasMore
                if let window = try source.position(checkpoint).poll { windows.append(window) }
                // Time moves between pages (the old client sent a new `lastUpdatedBefore` each time).
                amazon.time.advance(by: 90)
            }
            let stats = try await amazon.stats()
            #expect(stats["400", default: 0] == 0, "Amazon refused a page")
            #expect(windows.count >= 5)
            #expect(Set(windows.map(\.lastUpdatedBefore)).count == 1 && Set(windows.map(\.lastUpdatedAfter)).count == 1)
            #expect(windows.map(\.pages) == Array(1...windows.count))
            let truth = try await amazon.truth()
            #expect(seen.count == truth.filter { $0["fulfillmentChannel"] as? String == "MFN" }.count)

            // The next window starts at the previous window's end minus the overlap.
            let position = try source.position(checkpoint)
            #expect(position.poll == nil)
            #expect(position.nextAfter == windows[0].lastUpdatedBefore.addingTimeInterval(-source.overlap))
            amazon.time.advance(by: 600)
            let next = try await source.changes(after: checkpoint)
            #expect(next.orders.count < seen.count / 4)
        }
    }

    @Test func aBackfillThatOutrunsTheBurstCompletesAtAmazonsRealRates() async throws {
        // 3,000 orders at Amazon's documented rates (searchOrders 0.0056/s, burst 20): about 30
        // pages, so the last ten wait 178 s each. Virtual time makes that a second here.
        try await VirtualAmazon.run({
            $0.orders = 3000
            $0.existingShare = 1
            $0.start = VirtualAmazon.epoch.addingTimeInterval(-2 * 86400)  // every timeline is complete
        }) { amazon in
            let budget = amazon.budget()
            let sources = [amazon.source(.merchant, budget: budget), amazon.source(.amazon, budget: budget)]
            let store = InMemoryChannelStore()
            let composition = Composition(store: store, backend: InMemoryCommerceBackend(), sources: sources, customerPolicy: FixedCustomerPolicy())
            let started = amazon.time.now
            try await composition.runOnce(logger: VirtualAmazon.quiet)
            let elapsed = amazon.time.now.timeIntervalSince(started)

            let truth = try await amazon.truth()
            let mfn = truth.filter { $0["fulfillmentChannel"] as? String == "MFN" }.count
            let fba = truth.filter { $0["fulfillmentChannel"] as? String == "AFN" && $0["status"] as? String == "SHIPPED" }.count
            let needed = (mfn + 99) / 100 + (fba + 99) / 100
            let stats = try await amazon.stats()
            #expect(needed > 20, "the burst must run out")
            #expect(stats["searchOrders"] == needed, "searchOrders calls = pages needed")
            #expect(stats["400", default: 0] == 0, "no page refused")
            #expect(stats["throttled", default: 0] == 0, "no 429")
            #expect(try await store.records(includeHidden: true).count == mfn + fba)
            #expect(composition.statistics.snapshot.stoppedSources.isEmpty)
            #expect(elapsed >= Double(needed - 20) / 0.0056 * 0.99, "never faster than Amazon's bucket")
            print("real-rate backfill: \(mfn + fba) orders in \(needed) pages, \(stats["searchOrders"] ?? 0) searchOrders calls, 0 refused, \(stats["throttled", default: 0]) 429s, \(Int(elapsed)) s of Amazon time")
        }
    }

    @Test func aCheckpointOfTheFirstReleaseStillLoads() async throws {
        try await VirtualAmazon.run({ $0.orders = 300; $0.existingShare = 1; $0.rateLimits = false }) { amazon in
            var source = amazon.source(.merchant)
            source.sweepInterval = nil
            source.pageSize = 40
            // What the first release stored mid-window: the window's start, the end Amazon echoed, the token.
            let after = amazon.time.now.addingTimeInterval(-6 * 86400)
            let first = try await source.client.searchOrders(SearchOrdersQuery(
                lastUpdatedAfter: after, lastUpdatedBefore: amazon.time.now.addingTimeInterval(-300), marketplaceIds: [amazon.configuration.marketplaceID],
                fulfilledBy: [.merchant], maxResultsPerPage: 40))
            let token = try #require(first.pagination?.nextToken)
            let echoed = try #require(first.lastUpdatedBefore)
            let legacy = #"{"after":"\#(SPAPIJSON.formatDate(after))","confirmedBefore":"\#(SPAPIJSON.formatDate(echoed))","token":"\#(token)","lastSweep":"\#(SPAPIJSON.formatDate(amazon.time.now))"}"#
            amazon.time.advance(by: 120)
            var checkpoint: SyncCheckpoint? = SyncCheckpoint(legacy)
            var seen = Set(first.orders.map(\.orderId))
            var more = true
            while more {
                let page = try await source.changes(after: checkpoint)
                seen.formUnion(page.orders.map(\.amazonOrderID.rawValue))
                checkpoint = page.checkpoint
                more = page.hasMore
            }
            let stats = try await amazon.stats()
            #expect(stats["400", default: 0] == 0, "the stored window's next page was refused")
            let truth = try await amazon.truth()
            #expect(seen.count == truth.filter { $0["fulfillmentChannel"] as? String == "MFN" }.count)
            let position = try source.position(checkpoint)
            #expect(position.version == AmazonSyncPosition.currentVersion)
            // The first release's window is finished, then this process's own first poll
            // reaches the present (a resumed window alone would stop at its end).
            #expect(position.nextAfter > echoed.addingTimeInterval(-source.overlap))
            #expect(position.poll == nil)
            // A checkpoint from a newer release is refused, not guessed at.
            let newer = SyncCheckpoint(#"{"version":99,"nextAfter":"2026-01-01T00:00:00Z"}"#)
            #expect(throws: AmazonSourceStopped.self) { _ = try source.position(newer) }
        }
    }

    @Test func aRefusedTokenRestartsTheWindowOnceAndARefusalAfterThatStopsTheSource() async throws {
        // Tokens here expire after an hour: a client that believes Amazon's 24 hours still sends
        // them, and the sandbox refuses them, as Amazon would refuse a token it no longer accepts.
        try await VirtualAmazon.run({ $0.orders = 400; $0.existingShare = 1; $0.rateLimits = false; $0.paginationTokenLifetime = 3600 }) { amazon in
            let log = CapturedLog()
            /// A source as a newly started process has it.
            func process() -> AmazonOrderSource {
                var source = amazon.source(.merchant, logger: log.logger)
                source.sweepInterval = nil
                source.pageSize = 50
                return source
            }
            let first = try await process().changes(after: nil)
            #expect(first.hasMore)
            amazon.time.advance(by: 2 * 3600)

            // Amazon refuses the stored token: logged with its code, message and request id, and
            // the window starts over from its first page.
            let source = process()
            let restarted = try await source.changes(after: first.checkpoint)
            #expect(restarted.orders.isEmpty && restarted.hasMore)
            let window = try #require(try source.position(restarted.checkpoint).poll)
            #expect(window.restartedAt != nil && window.token == nil && window.pages == 0)
            let warning = try #require(log.entries.last { $0.level == .warning })
            #expect(warning.message.contains("refused"))
            #expect(warning.metadata["code"] == "InvalidInput")
            #expect(warning.metadata["requestId"].map { "\($0)" } ?? "-" != "-")
            #expect(warning.metadata["action"] == "starting the window over")

            // The same process: a second refusal of that window stops the source.
            let again = try await source.changes(after: restarted.checkpoint)
            #expect(!again.orders.isEmpty && again.hasMore)
            amazon.time.advance(by: 2 * 3600)
            do {
                _ = try await source.changes(after: again.checkpoint)
                Issue.record("a second refusal did not stop the source")
            } catch let stop as AmazonSourceStopped {
                #expect(stop.eventKind == .sourceStopped)
                #expect(stop.operatorMessage.contains("twice"))
                #expect(stop.error.requestID != nil && stop.operatorMessage.contains(stop.error.requestID ?? "?"))
            }
            #expect(log.entries.last { $0.level == .warning }?.metadata["action"] == "stopping the source")
            #expect(try await amazon.stats()["refused:token-expires-after-24-hours"] == 2)

            // Started again (after the fix), it goes on from the stored checkpoint.
            let later = process()
            var checkpoint: SyncCheckpoint? = again.checkpoint
            var more = true
            var seen = 0
            while more {
                let page = try await later.changes(after: checkpoint)
                seen += page.orders.count
                checkpoint = page.checkpoint
                more = page.hasMore
            }
            #expect(try seen > 0 && later.position(checkpoint).poll == nil)

            // A process that was given the token itself knows when it expires: it starts over without a call.
            let knowing = process()
            let fresh = try await knowing.changes(after: nil)
            amazon.time.advance(by: 25 * 3600)
            let calls = try await amazon.stats()["searchOrders", default: 0]
            let known = try await knowing.changes(after: fresh.checkpoint)
            #expect(known.apiCalls == 0 && known.orders.isEmpty && known.hasMore)
            #expect(try await amazon.stats()["searchOrders", default: 0] == calls)
        }
    }

    @Test func aWindowAmazonRefusesFromItsFirstPageStopsTheSourceInsteadOfLooping() async throws {
        // This Amazon's clock runs three minutes ahead of ours: every window we think ends two
        // minutes ago ends inside its two minutes.
        try await VirtualAmazon.run({ $0.orders = 100; $0.existingShare = 1; $0.rateLimits = false; $0.beforeLag = 300 }) { amazon in
            let log = CapturedLog()
            var source = amazon.source(.merchant, timeScale: 1, logger: log.logger)
            source.beforeLag = 125
            let first = try await source.changes(after: nil)
            #expect(first.orders.isEmpty && first.hasMore && first.apiCalls == 1)
            #expect(log.entries.last { $0.level == .warning }?.metadata["action"] == "starting the window over")
            do {
                _ = try await source.changes(after: first.checkpoint)
                Issue.record("the source asked again and again")
            } catch let stop as AmazonSourceStopped {
                #expect(stop.operatorMessage.contains("two minutes"), "\(stop.operatorMessage)")
            }
            #expect(try await amazon.stats()["refused:before-two-minutes-ago"] == 2)

            // A window that breaks Amazon's rules by our own settings is not even sent.
            var careless = amazon.source(.merchant, timeScale: 1)
            careless.beforeLag = 30
            let calls = try await amazon.stats()["searchOrders", default: 0]
            await #expect { _ = try await careless.changes(after: nil) } throws: {
                ($0 as? AmazonSourceStopped)?.operatorMessage.contains("before-two-minutes-ago") == true
            }
            #expect(try await amazon.stats()["searchOrders", default: 0] == calls)
        }
    }

    @Test func aSweepThatAmazonRefusesIsGivenUpNotTheSource() async throws {
        try await VirtualAmazon.run({ $0.orders = 400; $0.existingShare = 1; $0.rateLimits = false; $0.paginationTokenLifetime = 3600 }) { amazon in
            var source = amazon.source(.merchant)
            source.pageSize = 20
            source.sweepInterval = 3600
            // Catch up, then let a sweep start and take one page.
            var checkpoint: SyncCheckpoint?
            var more = true
            while more {
                let page = try await source.changes(after: checkpoint)
                checkpoint = page.checkpoint
                more = page.hasMore
            }
            amazon.time.advance(by: 3601)
            var sweeping = try source.position(checkpoint)
            for _ in 0..<6 where sweeping.sweep?.token == nil {
                let page = try await source.changes(after: checkpoint)
                checkpoint = page.checkpoint
                sweeping = try source.position(checkpoint)
            }
            let started = try #require(sweeping.sweep)
            /// Calls until the sweep's state has moved on (a poll may come first: polling comes first).
            func untilTheSweepMoves() async throws -> AmazonSyncPosition {
                for _ in 0..<6 {
                    let before = try source.position(checkpoint).sweep
                    let page = try await source.changes(after: checkpoint)
                    checkpoint = page.checkpoint
                    let now = try source.position(checkpoint)
                    if now.sweep != before { return now }
                }
                Issue.record("the sweep did not move")
                return try source.position(checkpoint)
            }
            // Its token expires: the sweep starts over once, over the 24 hours before now.
            amazon.time.advance(by: 2 * 3600)
            let restarted = try await untilTheSweepMoves()
            #expect(restarted.sweep?.restartedAt != nil && restarted.sweep?.token == nil)
            #expect(restarted.sweep.map { $0.lastUpdatedAfter > started.lastUpdatedAfter } == true)
            let resumed = try await untilTheSweepMoves()  // the restarted sweep's first page
            #expect(resumed.sweep?.token != nil)
            // Refused again: the sweep is given up until the next is due; the source goes on.
            amazon.time.advance(by: 2 * 3600)
            let givenUp = try await untilTheSweepMoves()
            #expect(givenUp.sweep == nil && givenUp.sweepsCompleted == 0)
            amazon.time.advance(by: 600)
            let afterwards = try await source.changes(after: checkpoint)
            #expect(try afterwards.apiCalls == 1 && source.position(afterwards.checkpoint).poll == nil)
        }
    }

    @Test func refusedCredentialsStopTheSourceTellTheMerchantAndLetTheRestRun() async throws {
        try await VirtualAmazon.run({ $0.orders = 120; $0.existingShare = 1; $0.rateLimits = false }) { amazon in
            for (refreshToken, secret, mention) in [("Atzr|revoked-by-the-seller", nil, "re-authorise"), (nil, "rotated-secret-value", "clientSecret")] {
                let notifier = RecordingNotifier()
                let revoked = amazon.source(.merchant, refreshToken: refreshToken, clientSecret: secret)
                let working = amazon.source(.amazon)
                let store = InMemoryChannelStore()
                let composition = Composition(
                    store: store, backend: InMemoryCommerceBackend(), sources: [revoked, working], customerPolicy: FixedCustomerPolicy(),
                    notifiers: [notifier])
                do {
                    try await composition.runOnce(logger: VirtualAmazon.quiet)
                    Issue.record("run once did not report the stopped source")
                } catch let stopped as SourcesStopped {
                    #expect(stopped.stops.map(\.sourceID) == [revoked.id])
                    #expect(stopped.description.contains(mention))
                }
                let event = try #require(notifier.events.first { $0.kind == .authorizationFailed })
                #expect(event.sourceID == revoked.id && event.amazonOrderID == nil)
                #expect(!event.message.contains(secret ?? refreshToken ?? "?"))
                #expect(composition.statistics.snapshot.stoppedSources[revoked.id] != nil)
                // The other source went on: its orders are stored.
                #expect(try await store.records(includeHidden: true).contains { $0.order.fulfillmentChannel == .amazon })
                // One token request, not a retry loop.
                #expect(await revoked.client.tokens.refreshCount == 1)
            }
        }
    }

    /// Runs an MFN and an FBA source of one seller for `hours` of virtual time, a sync every minute.
    static func simulate(hours: Double, sweeps: Bool) async throws -> (
        polls: [String: [Date]], sweeps: Int, sweepPages: [Int], stats: [String: Int], lastHour: BudgetUse, interval: TimeInterval, paused: Int
    ) {
        try await VirtualAmazon.run({ $0.orders = 600; $0.existingShare = 1 }) { amazon in
            let budget = amazon.budget()
            var sources = [amazon.source(.merchant, budget: budget), amazon.source(.amazon, budget: budget)]
            for index in sources.indices {
                sources[index].pageSize = 20
                sources[index].sweepInterval = sweeps ? 3600 : nil
            }
            let composition = Composition(store: InMemoryChannelStore(), backend: InMemoryCommerceBackend(), sources: sources, customerPolicy: FixedCustomerPolicy())
            var polls: [String: [Date]] = [:]
            var sweepPages: [Int] = []
            var completed = 0
            var paused = 0
            let end = amazon.time.now.addingTimeInterval(hours * 3600)
            while amazon.time.now < end {
                for source in sources {
                    let sync = OrderSync(source: source, composition: composition, logger: VirtualAmazon.quiet)
                    var more = true
                    while more {
                        let before = try source.position(try await composition.store.checkpoint(for: source.id))
                        more = try await sync.syncPage()
                        if let start = budget.lastPollStart(source.id), polls[source.id]?.last != start { polls[source.id, default: []].append(start) }
                        let after = try source.position(try await composition.store.checkpoint(for: source.id))
                        if after.sweepsCompleted > before.sweepsCompleted, let done = before.sweep { sweepPages.append(done.pages + 1) }
                        if after.sweepsCompleted > before.sweepsCompleted { completed += 1 }
                    }
                }
                // A sweep left unfinished for lack of slack, to be resumed at its token later.
                for source in sources where try source.position(try await composition.store.checkpoint(for: source.id)).sweep?.token != nil {
                    paused += 1
                }
                amazon.time.advance(by: 60)
            }
            return (polls, completed, sweepPages, try await amazon.stats(), await budget.use(), await budget.pollInterval(), paused)
        }
    }

    @Test func pollingComesFirstAndSweepsRunFromTheSlackResumingWhereTheyStopped() async throws {
        let hours = 8.0
        let without = try await Self.simulate(hours: hours, sweeps: false)
        let with = try await Self.simulate(hours: hours, sweeps: true)
        for (source, starts) in with.polls {
            let gaps = zip(starts.dropFirst(), starts).map { $0.timeIntervalSince($1) }
            // Paced by the budget: never sooner than the fair share, and never held up by a sweep.
            #expect(gaps.allSatisfy { $0 >= with.interval - 1 }, "\(source) polled sooner than its share")
            #expect(gaps.dropFirst().allSatisfy { $0 <= with.interval + 61 }, "\(source) was held up: \(gaps.map { Int($0) })")
            #expect(abs(starts.count - (without.polls[source]?.count ?? 0)) <= 1, "sweeps changed how often \(source) polls")
        }
        #expect(with.sweeps >= 2, "sweeps completed: \(with.sweeps)")
        #expect(with.sweepPages.allSatisfy { $0 > 2 }, "each sweep took several pages: \(with.sweepPages)")
        #expect(with.paused > 10, "sweeps waited for slack between pages and resumed at their token (\(with.paused) minutes paused)")
        #expect(without.paused == 0)
        #expect(with.stats["throttled", default: 0] == 0 && with.stats["400", default: 0] == 0)
        #expect(Double(with.lastHour.callsLastHour) <= with.lastHour.sustainedPerHour + 1, "\(with.lastHour)")
        #expect(with.stats["searchOrders", default: 0] > without.stats["searchOrders", default: 0])
        print("8 hours, 2 sources, one budget: polls every \(Int(with.interval)) s per source; \(with.sweeps) sweeps of \(with.sweepPages) pages; \(with.lastHour)")
    }

    /// Sources were named `<plugin>/<seller>/<marketplaces>` before; with the default id a source
    /// answers to those names: it continues their checkpoint and confirms their shipments.
    @Test func aSourceTakesOverTheWorkStoredUnderItsFormerID() async throws {
        try await VirtualAmazon.run({ $0.orders = 80; $0.existingShare = 1; $0.rateLimits = false }) { amazon in
            let store = InMemoryChannelStore()
            var source = amazon.source(.merchant)
            source.sweepInterval = nil
            let former = "\(source.id)/\(source.marketplaceIDs.joined(separator: ","))"
            let settings = OrderSettings(sinkNames: ["erp"])
            // What the earlier release stored: every page under the former id.
            var checkpoint: SyncCheckpoint?
            repeat {
                let page = try await source.changes(after: checkpoint)
                _ = try await store.commit(page, from: former) { stored, snapshot in
                    Workflow.apply(snapshot: snapshot, to: stored, sourceID: former, settings: settings, now: Date())
                }
                checkpoint = page.checkpoint
                if !page.hasMore { break }
            } while true

            let metrics = TestMetrics()
            let composition = { (source: AmazonOrderSource) in
                Composition(store: store, backend: InMemoryCommerceBackend(), sources: [source], customerPolicy: FixedCustomerPolicy(),
                            sinks: ["erp": RecordingShipmentSink()], settings: settings, metrics: ChannelMetrics(factory: metrics))
            }
            // A source with an id of its own (`id:` in the deployment) does not take it over.
            let strangerEngine = ChannelEngine(composition(source), logger: VirtualAmazon.quiet)
            #expect(try await strangerEngine.orphanedWork().sources.map(\.id) == [former])

            source.formerIDs = .init(prefix: "\(source.id)/", marketplaces: ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"])
            #expect(source.answers(to: former) && source.answers(to: "\(source.id)/A2EUQ1WTGCTBG2,ATVPDKIKX0DER"))
            #expect(!source.answers(to: "\(source.id)/A1PA6795UKMFR9") && !source.answers(to: "\(source.id)/") && !source.answers(to: "amazon-fba/x"))
            let engine = ChannelEngine(composition(source), logger: VirtualAmazon.quiet)
            #expect(try await engine.orphanedWork().sources.isEmpty)
            let sync = OrderSync(source: source, composition: engine.composition, logger: VirtualAmazon.quiet)
            #expect(try await sync.checkpoint() == checkpoint, "the former checkpoint is continued, not restarted")
            amazon.time.advance(by: 600)
            _ = try await sync.syncPage()
            #expect(try await store.checkpoint(for: source.id) != nil, "the next page is stored under the new id")

            // A shipment of an order imported under the former id is confirmed by this source.
            try await engine.runOnce()
            let open = try #require(try await engine.orders(OrderQuery()).orders.first {
                $0.sourceID == former && $0.order.status == .unshipped && !$0.buyerCancellationFlagged && $0.commerceOrderNumber != nil
            })
            let shipment = try await engine.recordShipment(ShipmentRequest(amazonOrderID: open.amazonOrderID, carrierCode: "UPS", trackingNumber: "1Z999AA10123456784"))
            try await engine.runOnce()
            let confirmation = try #require(try await engine.order(open.amazonOrderID)?.jobs.first { $0.effect == .confirmShipment(shipment.id) })
            #expect(confirmation.status == .done, "\(confirmation.lastError ?? "")")

            // SP-API figures by operation, as metrics: the same as the source's own counts.
            _ = try await engine.statistics()
            let usage = await source.usage()
            for operation in ["searchOrders", "confirmShipment"] {
                let calls = try #require(usage.operations[operation]?.calls)
                #expect(calls > 0)
                let counted = try metrics.expectCounter("saleschannel_api_calls_total", [("source", source.id), ("operation", operation)]).totalValue
                #expect(counted == Int64(calls), "\(operation)")
            }
        }
    }
}
