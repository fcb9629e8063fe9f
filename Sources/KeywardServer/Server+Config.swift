// CONFIG SET reaching the network side: values Redis applies at run time.

import Engine

extension Server {
    func installConfigHooks() {
        let cfg = engine.config
        for name in ["maxclients", "timeout", "hz", "loglevel", "proto-max-bulk-len", "client-query-buffer-limit", "protected-mode"] {
            cfg.onChange(name) { [unowned self] _ in self.reloadOptions() }
        }
        cfg.onChange("appendfsync") { [unowned self] v in
            self.aof.policy = FsyncPolicy(rawValue: v.textValue) ?? .everysec
        }
        cfg.onApply("appendonly") { [unowned self] v in
            if v.boolValue == self.aof.isOn { return nil }
            if !v.boolValue { self.aof.stop(); return nil }
            return self.aof.start()
        }
        engine.aof.rewrite = { [unowned self] in self.aof.startRewrite() }
        cfg.onApply("port") { [unowned self] v in
            self.rebind(port: Int(v.numberValue), bind: self.options.bind)
        }
        cfg.onApply("bind") { [unowned self] v in
            let addrs = v.textValue.split(separator: " ").map(String.init)
            return self.rebind(port: self.options.port, bind: addrs)
        }
    }

    func reloadOptions() {
        let o = ServerOptions(engine.config)
        options.maxClients = o.maxClients
        options.timeoutSeconds = o.timeoutSeconds
        options.hz = o.hz
        options.logLevel = o.logLevel
        options.maxBulkLen = o.maxBulkLen
        options.queryBufferLimit = o.queryBufferLimit
        options.protectedMode = o.protectedMode
        logger.level = o.logLevel
        parserLimits.maxBulkLen = o.maxBulkLen
        engine.activeExpire.hz = o.hz
        for (_, c) in connections { c.parser.limits = parserLimits }
    }

    /// Opens listeners for the new address set before closing the old ones, so a failure leaves
    /// the server as it was (Redis's changeListener). Returns an error text or nil.
    func rebind(port newPort: Int, bind newBind: [String]) -> String? {
        let old = listeners
        let oldOptions = options
        listeners = []
        options.port = newPort
        options.bind = newBind
        port = 0
        do {
            try listen()
        } catch {
            for l in listeners { loop.remove(l.fd); closeSocket(l.fd) }
            listeners = old
            options = oldOptions
            port = oldOptions.port
            return "Unable to listen on this port"
        }
        for l in old { loop.remove(l.fd); closeSocket(l.fd) }
        engine.serverInfo.tcpPort = port
        return nil
    }
}
