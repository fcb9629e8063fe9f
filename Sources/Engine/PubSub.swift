// The pub/sub registry (Redis 7.0's pubsub.c): channel -> subscribers, pattern -> subscribers
// and shard channel -> subscribers, plus each client's own subscription sets.
//
// Invariants:
// - a client is in `channels[ch]` iff `ch` is in its `ClientPubSub.channels` (same for patterns
//   and shard channels), and a registry entry is removed when its last subscriber leaves;
// - `ClientState.pubsub` is non-nil iff the client has at least one subscription (Redis's
//   CLIENT_PUBSUB flag), so the subscribed-mode check in `execute` is one nil test.
// Ordering: subscribers of a channel in subscription order (7.0 keeps a list); channels and
// patterns in first-subscription order (Redis iterates a hash table, an order clients cannot rely on).
// Messages are written straight into each subscriber's `out`; the server flushes the clients
// listed by `takeWritten()`.

import RESP

/// A hash table that iterates in first-insertion order: O(1) expected insert, lookup and remove
/// (removal leaves a hole; holes are compacted away once they outnumber the live entries).
struct OrderedTable<Key: Hashable, Value> {
    private var slots: [(key: Key, value: Value)?] = []
    private var index: [Key: Int] = [:]

    var count: Int { index.count }
    var isEmpty: Bool { index.isEmpty }
    func contains(_ k: Key) -> Bool { index[k] != nil }
    subscript(k: Key) -> Value? { index[k].map { slots[$0]!.value } }

    /// Adds `k` at the end; false (and no change) when it is already present.
    @discardableResult
    mutating func insert(_ k: Key, _ v: Value) -> Bool {
        if index[k] != nil { return false }
        index[k] = slots.count
        slots.append((k, v))
        return true
    }

    /// Mutates the value at `k` in place, inserting `make()` at the end first when absent.
    mutating func modify<R>(_ k: Key, orInsert make: () -> Value, _ body: (inout Value) -> R) -> R {
        let i: Int
        if let j = index[k] { i = j } else { i = slots.count; index[k] = i; slots.append((k, make())) }
        return body(&slots[i]!.value)
    }

    /// Mutates the value at `k` in place; nil when absent.
    mutating func modify<R>(_ k: Key, _ body: (inout Value) -> R) -> R? {
        guard let i = index[k] else { return nil }
        return body(&slots[i]!.value)
    }

    @discardableResult
    mutating func remove(_ k: Key) -> Value? {
        guard let i = index.removeValue(forKey: k) else { return nil }
        let v = slots[i]!.value
        slots[i] = nil
        if index.isEmpty { slots.removeAll() } else if slots.count > 16 && index.count * 2 < slots.count { compact() }
        return v
    }

    private mutating func compact() {
        var live: [(key: Key, value: Value)?] = []
        live.reserveCapacity(index.count)
        for case let e? in slots { index[e.key] = live.count; live.append(e) }
        slots = live
    }

    /// Visits the entries in insertion order (over a snapshot: `body` may mutate the table).
    func forEach(_ body: (Key, Value) -> Void) {
        for case let e? in slots { body(e.key, e.value) }
    }

    var keys: [Key] {
        var out: [Key] = []
        out.reserveCapacity(index.count)
        for case let e? in slots { out.append(e.key) }
        return out
    }
}

/// One client's subscriptions (Redis's c->pubsub_channels / pubsub_patterns / pubsubshard_channels).
public final class ClientPubSub {
    var channels = OrderedTable<Bytes, Void>()
    var patterns = OrderedTable<Bytes, Void>()
    var shardChannels = OrderedTable<Bytes, Void>()
    /// Already listed in `PubSub.written` since the server last looked.
    var listed = false

    public var channelCount: Int { channels.count }
    public var patternCount: Int { patterns.count }
    public var shardChannelCount: Int { shardChannels.count }
    /// Redis's clientSubscriptionsCount: channels + patterns (what (P)(UN)SUBSCRIBE report).
    var classicCount: Int { channels.count + patterns.count }
    var total: Int { channels.count + patterns.count + shardChannels.count }
}

typealias Subscribers = OrderedTable<Int64, ClientState>

/// The server-wide registry. Engine-thread only.
public final class PubSub {
    var channels = OrderedTable<Bytes, Subscribers>()
    var patterns = OrderedTable<Bytes, Subscribers>()
    var shardChannels = OrderedTable<Bytes, Subscribers>()
    /// Subscribers given output by a publish since the server last called `takeWritten()`.
    var written: [ClientState] = []
    /// notify-keyspace-events, cached (Notifications.swift).
    public internal(set) var keyspaceEvents: KeyspaceEventFlags = []
    /// True when some class is enabled together with K or E: the only test on the write path.
    public internal(set) var notifying = false
    /// Scratch for channel names built by keyspace notifications.
    var scratch: [UInt8] = []
    /// Cached from `client-output-buffer-limit pubsub`.
    var outputLimit = OutputBufferLimit(hard: 32 << 20, soft: 8 << 20, softSeconds: 60)

    init() {}

    public var channelCount: Int { channels.count }
    public var patternCount: Int { patterns.count }
    public var shardChannelCount: Int { shardChannels.count }

    /// Subscribers that received messages since the last call: the server marks them for
    /// writing (they may not have sent anything themselves).
    public func takeWritten() -> [ClientState] {
        if written.isEmpty { return [] }
        let out = written
        written.removeAll(keepingCapacity: true)
        for c in out { c.pubsub?.listed = false }
        return out
    }

    /// Number of subscribers of `channel` (PUBSUB NUMSUB / SHARDNUMSUB).
    func subscriberCount(_ channel: UnsafeRawBufferPointer, sharded: Bool) -> Int {
        let key = Bytes(channel)
        return (sharded ? shardChannels[key] : channels[key])?.count ?? 0
    }
}

/// Which of a client's subscription sets a command works on.
enum SubscriptionKind {
    case channel, pattern, shard

    var subscribeWord: StaticString {
        switch self { case .channel: "subscribe"; case .pattern: "psubscribe"; case .shard: "ssubscribe" }
    }
    var unsubscribeWord: StaticString {
        switch self { case .channel: "unsubscribe"; case .pattern: "punsubscribe"; case .shard: "sunsubscribe" }
    }
}

extension ClientPubSub {
    func set(_ k: SubscriptionKind) -> OrderedTable<Bytes, Void> {
        switch k { case .channel: channels; case .pattern: patterns; case .shard: shardChannels }
    }
    /// The count Redis reports after a (un)subscription of this kind.
    func reported(_ k: SubscriptionKind) -> Int { k == .shard ? shardChannels.count : classicCount }
}

extension Engine {
    // MARK: subscribing

    /// pubsubSubscribeChannel / pubsubSubscribePattern: adds the subscription (if new) and
    /// replies the confirmation with the client's new count.
    func subscribe(_ client: ClientState, _ name: Bytes, _ kind: SubscriptionKind) {
        let ps = client.pubsub ?? ClientPubSub()
        client.pubsub = ps
        let added: Bool
        switch kind {
        case .channel: added = ps.channels.insert(name, ())
        case .pattern: added = ps.patterns.insert(name, ())
        case .shard: added = ps.shardChannels.insert(name, ())
        }
        if added {
            let id = client.id
            switch kind {
            case .channel: pubsub.channels.modify(name, orInsert: { Subscribers() }) { $0.insert(id, client) }
            case .pattern: pubsub.patterns.modify(name, orInsert: { Subscribers() }) { $0.insert(id, client) }
            case .shard: pubsub.shardChannels.modify(name, orInsert: { Subscribers() }) { $0.insert(id, client) }
            }
        }
        client.out.writePushHeader(3, client.proto)
        client.out.writeBulk(kind.subscribeWord)
        name.withBytes { client.out.writeBulk($0) }
        client.out.writeInt(ps.reported(kind))
    }

    /// pubsubUnsubscribeChannel / pubsubUnsubscribePattern. Replies (when `notify`) even if the
    /// client was not subscribed; returns whether it was.
    @discardableResult
    func unsubscribe(_ client: ClientState, _ name: Bytes, _ kind: SubscriptionKind, notify: Bool) -> Bool {
        var removed = false
        if let ps = client.pubsub {
            switch kind {
            case .channel: removed = ps.channels.remove(name) != nil
            case .pattern: removed = ps.patterns.remove(name) != nil
            case .shard: removed = ps.shardChannels.remove(name) != nil
            }
            if removed {
                let id = client.id
                func leave(_ t: inout OrderedTable<Bytes, Subscribers>) {
                    if t.modify(name, { s -> Bool in s.remove(id); return s.isEmpty }) == true { t.remove(name) }
                }
                switch kind {
                case .channel: leave(&pubsub.channels)
                case .pattern: leave(&pubsub.patterns)
                case .shard: leave(&pubsub.shardChannels)
                }
            }
        }
        if notify {
            client.out.writePushHeader(3, client.proto)
            client.out.writeBulk(kind.unsubscribeWord)
            name.withBytes { client.out.writeBulk($0) }
            client.out.writeInt(client.pubsub?.reported(kind) ?? 0)
        }
        return removed
    }

    /// UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE without arguments: every subscription of the
    /// kind in subscription order; one reply with a null name when there was none.
    func unsubscribeAll(_ client: ClientState, _ kind: SubscriptionKind, notify: Bool) {
        var count = 0
        if let ps = client.pubsub {
            for name in ps.set(kind).keys where unsubscribe(client, name, kind, notify: notify) { count += 1 }
        }
        if notify && count == 0 {
            client.out.writePushHeader(3, client.proto)
            client.out.writeBulk(kind.unsubscribeWord)
            client.out.writeNull(client.proto)
            client.out.writeInt(client.pubsub?.reported(kind) ?? 0)
        }
    }

    /// Leaves pub/sub mode when nothing is left (Redis clears CLIENT_PUBSUB).
    func dropPubSubIfIdle(_ client: ClientState) {
        if let ps = client.pubsub, ps.total == 0 { client.pubsub = nil }
    }

    /// Drops every subscription without replies: RESET, and the server when a client
    /// disconnects (it must call this before forgetting the client).
    public func pubsubClientGone(_ client: ClientState) {
        guard client.pubsub != nil else { return }
        unsubscribeAll(client, .channel, notify: false)
        unsubscribeAll(client, .shard, notify: false)
        unsubscribeAll(client, .pattern, notify: false)
        client.pubsub = nil
    }

    // MARK: publishing

    /// pubsubPublishMessage: delivers `message` to the subscribers of `channel` and, unless
    /// sharded, to every client whose pattern matches it. Returns the number of deliveries
    /// (a client matching through two patterns counts twice, as in Redis).
    /// O(N + M): N subscribers of the channel, M subscribed patterns.
    @discardableResult
    public func publish(channel: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer, sharded: Bool = false) -> Int {
        let ps = pubsub
        var receivers = 0
        // The channel and payload bulks are the same for every receiver: encode them once.
        var tail = ByteBuffer(capacity: channel.count + message.count + 32)
        tail.writeBulk(channel)
        tail.writeBulk(message)
        let key = Bytes(channel)
        if let subs = sharded ? ps.shardChannels[key] : ps.channels[key] {
            let word: StaticString = sharded ? "$8\r\nsmessage\r\n" : "$7\r\nmessage\r\n"
            subs.forEach { _, c in
                receivers += 1
                guard !c.closeASAP else { return }
                c.out.writePushHeader(3, c.proto)
                c.out.append(word)
                c.out.append(tail.readable)
                delivered(c)
            }
        }
        if sharded || ps.patterns.isEmpty { return receivers }
        ps.patterns.forEach { pattern, subs in
            let match = pattern.withBytes { globMatch(pattern: $0, channel, nocase: false) }
            guard match else { return }
            subs.forEach { _, c in
                receivers += 1
                guard !c.closeASAP else { return }
                c.out.writePushHeader(4, c.proto)
                c.out.append("$8\r\npmessage\r\n" as StaticString)
                pattern.withBytes { c.out.writeBulk($0) }
                c.out.append(tail.readable)
                delivered(c)
            }
        }
        return receivers
    }

    /// Bookkeeping after writing a message to a subscriber: flush listing and output limits.
    private func delivered(_ c: ClientState) {
        if let p = c.pubsub, !p.listed { p.listed = true; pubsub.written.append(c) }
        _ = checkOutputBufferLimits(c)
    }

    // MARK: output limits

    /// checkClientOutputBufferLimits for a subscriber (the pubsub class): past the hard limit,
    /// or past the soft limit for more than its seconds, the client is marked `closeASAP`
    /// (the server closes it without flushing). Returns true when it was marked.
    @discardableResult
    public func checkOutputBufferLimits(_ c: ClientState) -> Bool {
        guard c.pubsub != nil, !c.isReplica, !c.isMaster, !c.closeASAP else { return false }
        let limit = pubsub.outputLimit
        let used = UInt64(c.out.readableCount)
        let hard = limit.hard != 0 && used >= limit.hard
        var soft = limit.soft != 0 && used >= limit.soft
        let nowSec = now / 1000
        if soft {
            if c.outputSoftLimitSince == 0 {
                c.outputSoftLimitSince = nowSec
                soft = false
            } else if nowSec - c.outputSoftLimitSince <= limit.softSeconds {
                soft = false
            }
        } else {
            c.outputSoftLimitSince = 0
        }
        guard hard || soft else { return false }
        c.closeASAP = true
        return true
    }

    // MARK: hooks

    /// Config watchers, INFO stats counts and CLIENT LIST fields. Called once by `Engine.init`.
    func installPubSubHooks() {
        let ps = pubsub
        ps.outputLimit = config.outputBufferLimits[2]
        config.onChange("client-output-buffer-limit") { [unowned self] _ in ps.outputLimit = self.config.outputBufferLimits[2] }
        setKeyspaceEvents(config.keyspaceEvents)
        config.onChange("notify-keyspace-events") { [unowned self] _ in self.setKeyspaceEvents(self.config.keyspaceEvents) }
        serverState.infoHooks["stats", default: []].append { e, f in
            f["pubsub_channels"] = String(e.pubsub.channels.count)
            f["pubsub_patterns"] = String(e.pubsub.patterns.count)
            f["pubsubshard_channels"] = String(e.pubsub.shardChannels.count)
        }
        serverState.clientHooks.append { c, d in
            guard let p = c.pubsub else { return }
            d.sub = p.channels.count
            d.psub = p.patterns.count
            d.ssub = p.shardChannels.count
            d.flags.insert("P")
            d.isPubSub = true
        }
    }
}
