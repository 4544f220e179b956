import DarasaCommands

await DarasaCommand.main()
