import DarasaCommands

@main struct Entrypoint {
    static func main() async { await DarasaCommand.main() }
}
