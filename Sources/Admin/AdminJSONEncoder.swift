// A Foundation-free Encoder from Codable admin types to JSONValue (see JSONValue.swift for why).
// Optionals that are nil are omitted, as Foundation's JSONEncoder does with encodeIfPresent.

public enum AdminJSON {
    public static func value<T: Encodable>(_ v: T) throws -> JSONValue {
        let box = EncodingBox()
        try v.encode(to: TreeEncoder(box: box, path: []))
        return box.resolve()
    }

    public static func encode<T: Encodable>(_ v: T) throws -> String { try value(v).text }
}

/// A slot a container writes its value into (containers are structs; the box is shared).
final class EncodingBox {
    var value: JSONValue?
    var fields: [(String, EncodingBox)]?
    var items: [EncodingBox]?

    func resolve() -> JSONValue {
        if let f = fields { return .object(f.map { ($0.0, $0.1.resolve()) }) }
        if let i = items { return .array(i.map { $0.resolve() }) }
        return value ?? .null
    }
}

struct TreeEncoder: Encoder {
    let box: EncodingBox
    let path: [CodingKey]
    var codingPath: [CodingKey] { path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy: Key.Type) -> KeyedEncodingContainer<Key> {
        if box.fields == nil { box.fields = [] }
        return KeyedEncodingContainer(Keyed<Key>(box: box, path: path))
    }
    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if box.items == nil { box.items = [] }
        return Unkeyed(box: box, path: path)
    }
    func singleValueContainer() -> SingleValueEncodingContainer { Single(box: box, path: path) }
}

private func leaf<T: Encodable>(_ v: T, _ box: EncodingBox, _ path: [CodingKey]) throws {
    switch v {
    case let x as String: box.value = .string(x)
    case let x as Bool: box.value = .bool(x)
    case let x as Int: box.value = .int(Int64(x))
    case let x as Int64: box.value = .int(x)
    case let x as Int32: box.value = .int(Int64(x))
    case let x as UInt16: box.value = .int(Int64(x))
    case let x as UInt32: box.value = .int(Int64(x))
    case let x as UInt64: box.value = .int(Int64(clamping: x))
    case let x as Double: box.value = .double(x)
    case let x as Float: box.value = .double(Double(x))
    case let x as JSONValue: box.value = x
    default:
        try v.encode(to: TreeEncoder(box: box, path: path))
        box.value = box.resolve()
        box.fields = nil
        box.items = nil
    }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodingBox
    let path: [CodingKey]
    var codingPath: [CodingKey] { path }

    private func slot(_ key: Key) -> EncodingBox {
        let b = EncodingBox()
        if let i = box.fields!.firstIndex(where: { $0.0 == key.stringValue }) { box.fields![i].1 = b }
        else { box.fields!.append((key.stringValue, b)) }
        return b
    }
    mutating func encodeNil(forKey key: Key) throws { slot(key).value = .null }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try leaf(value, slot(key), path + [key])
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let v = value { try encode(v, forKey: key) }
    }
    mutating func nestedContainer<N: CodingKey>(keyedBy: N.Type, forKey key: Key) -> KeyedEncodingContainer<N> {
        let b = slot(key)
        b.fields = []
        return KeyedEncodingContainer(Keyed<N>(box: b, path: path + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let b = slot(key)
        b.items = []
        return Unkeyed(box: b, path: path + [key])
    }
    mutating func superEncoder() -> Encoder { TreeEncoder(box: box, path: path) }
    mutating func superEncoder(forKey key: Key) -> Encoder { TreeEncoder(box: slot(key), path: path + [key]) }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ i: Int) { intValue = i }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let box: EncodingBox
    let path: [CodingKey]
    var codingPath: [CodingKey] { path }
    var count: Int { box.items!.count }

    private func slot() -> EncodingBox {
        let b = EncodingBox()
        box.items!.append(b)
        return b
    }
    mutating func encodeNil() throws { slot().value = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try leaf(value, slot(), path + [IndexKey(count)]) }
    mutating func nestedContainer<N: CodingKey>(keyedBy: N.Type) -> KeyedEncodingContainer<N> {
        let b = slot()
        b.fields = []
        return KeyedEncodingContainer(Keyed<N>(box: b, path: path))
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let b = slot()
        b.items = []
        return Unkeyed(box: b, path: path)
    }
    mutating func superEncoder() -> Encoder { TreeEncoder(box: slot(), path: path) }
}

private struct Single: SingleValueEncodingContainer {
    let box: EncodingBox
    let path: [CodingKey]
    var codingPath: [CodingKey] { path }
    mutating func encodeNil() throws { box.value = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try leaf(value, box, path) }
}
