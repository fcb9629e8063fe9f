// Serving clients while the dataset loads (Redis's processEventsWhileBlocked from rdbLoad and
// loadAppendOnlyFiles): the engine's loaders report progress about every 2 MB and this handles
// the events ready then. New connections are accepted; commands without the `loading` flag get
// -LOADING (Engine.execute); INFO shows loading:1 and the loading_* fields.

#if canImport(Glibc)
import Glibc
#endif
import Engine

extension Server {
    func installLoadingHook() {
        engine.whileLoading = { [unowned self] in self.processEventsWhileLoading() }
    }

    func processEventsWhileLoading() {
        engine.now = unixMillis()
        loop.pollOnce()
        for c in pending where !c.closed {
            c.pendingWrite = false
            flush(c)
        }
        pending.removeAll(keepingCapacity: true)
        if var req = engine.shutdownRequest {
            engine.shutdownRequest = nil
            // Redis never saves a half-loaded dataset: SHUTDOWN while loading is NOSAVE.
            req.save = false
            shutdown(req)
            exit(0)
        }
    }
}
