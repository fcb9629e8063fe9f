// The admin protocol's version. A document carries it so scripts can refuse a schema they don't
// know; bump it when a field changes meaning or goes away (adding fields does not).

public enum AdminSchema {
    public static let version = 1
}
