import KeywardServer
#if canImport(Glibc)
import Glibc
#endif

exit(Startup.main(CommandLine.arguments))
