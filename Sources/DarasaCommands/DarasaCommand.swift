import ArgumentParser

/// `darasa`: the command-line entry point. One file per subcommand.
public struct DarasaCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "darasa",
        abstract: "Darasa: one education data system for every tier, from the classroom to the ministry.",
        subcommands: [Demo.self, Serve.self, Generate.self, Import.self, Quarantine.self, Quality.self, Migrate.self, Export.self, Indicators.self, SMS.self, Admin.self, Bench.self]
    )
    public init() {}
}
