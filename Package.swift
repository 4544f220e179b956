// swift-tools-version:6.1
import PackageDescription

// Data flows one way: sources → Ingest → Store → Analytics → Views (Server, Commands).
// DarasaCore depends on nothing of ours; the server never imports a concrete engine.
// The data paths (generate, read, write) are optimised even in debug builds, so that
// `swift run darasa demo` loads its country in seconds, not minutes.
let fast: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "darasa",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "darasa", targets: ["darasa"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.30.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.20.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.19"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    ],
    targets: [
        .target(name: "DarasaCore", swiftSettings: fast),
        .target(name: "DarasaXLSX", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "DarasaGenerator", dependencies: [
            "DarasaCore", "DarasaXLSX",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], swiftSettings: fast),
        .target(name: "DarasaIngest", dependencies: [
            "DarasaCore",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: fast),
        // The storage contract, schema and engine-neutral SQL; no database driver here.
        .target(name: "DarasaStore", dependencies: [
            "DarasaCore",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: fast),
        .target(name: "DarasaSQLite", dependencies: [
            "DarasaCore", "DarasaStore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ], swiftSettings: fast),
        .target(name: "DarasaPostgres", dependencies: [
            "DarasaCore", "DarasaStore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: fast),
        // Mapped imports: a mapping's rows checked, resolved and merged as one batch.
        .target(name: "DarasaImport", dependencies: ["DarasaCore", "DarasaIngest", "DarasaStore"],
                resources: [.copy("Mappings")], swiftSettings: fast),
        .target(name: "DarasaAnalytics", dependencies: ["DarasaCore", "DarasaStore", "DarasaXLSX", .product(name: "Yams", package: "Yams")],
                resources: [.copy("QualityRules"), .copy("IndicatorCatalogue")]),
        .target(name: "DarasaServer", dependencies: [
            "DarasaCore", "DarasaStore", "DarasaAnalytics", "DarasaIngest", "DarasaImport",
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Translations"), .copy("OfflineApp")]),
        .target(name: "DarasaCommands", dependencies: [
            "DarasaCore", "DarasaIngest", "DarasaImport", "DarasaStore", "DarasaSQLite", "DarasaPostgres", "DarasaAnalytics",
            "DarasaServer", "DarasaGenerator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            // `darasa bench sync` drives the server over loopback with its own HTTP client.
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "darasa", dependencies: ["DarasaCommands"]),
        // Fixtures shared by the test targets: a hand-worked tiny country and engine factories.
        .target(name: "DarasaTestSupport", dependencies: [
            "DarasaCore", "DarasaStore", "DarasaSQLite", "DarasaPostgres", "DarasaIngest",
        ], path: "Tests/DarasaTestSupport"),
        .testTarget(name: "DarasaCoreTests", dependencies: [
            "DarasaCore",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "DarasaGeneratorTests", dependencies: ["DarasaGenerator", "DarasaIngest", "DarasaCore", "DarasaTestSupport"]),
        .testTarget(name: "DarasaIngestTests", dependencies: [
            "DarasaIngest", "DarasaGenerator", "DarasaCore", "DarasaTestSupport", "DarasaXLSX",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "DarasaStoreTests", dependencies: [
            "DarasaStore", "DarasaSQLite", "DarasaPostgres", "DarasaCore",
            "DarasaTestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "DarasaImportTests", dependencies: [
            "DarasaImport", "DarasaIngest", "DarasaStore", "DarasaCore", "DarasaGenerator", "DarasaTestSupport", "DarasaAnalytics",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .testTarget(name: "DarasaAnalyticsTests", dependencies: [
            "DarasaAnalytics", "DarasaStore", "DarasaCore", "DarasaTestSupport", "DarasaGenerator", "DarasaIngest",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "DarasaServerTests", dependencies: [
            "DarasaServer", "DarasaStore", "DarasaSQLite", "DarasaCore", "DarasaTestSupport", "DarasaAnalytics",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "PropertyBased", package: "swift-property-based"),
            "DarasaIngest",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
