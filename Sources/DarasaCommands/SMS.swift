import ArgumentParser
import DarasaStore
import Foundation

struct SMS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Phones that may send a school's SMS reports (docs/sms-guide.md).",
        subcommands: [AddPhone.self, ListPhones.self])

    struct AddPhone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-phone", abstract: "Register a phone for a school (replies go in its language).")
        @OptionGroup var store: StoreOptions
        @Option(help: "The phone number with its country code, e.g. +254712345678.") var phone: String
        @Option(help: "The school's official (census) code.") var school: String
        @Option(help: "Who holds the phone (e.g. the head teacher's name).") var name: String = "Head teacher"
        @Option(help: "The language replies are written in: en, fr, sw or pt.") var language: String = "en"

        func validate() throws {
            guard ["en", "fr", "sw", "pt"].contains(language) else { throw ValidationError("--language must be en, fr, sw or pt.") }
        }

        func run() async throws {
            try await runReportingErrors {
                let db = try await store.open()
                do {
                    try await requireCurrentSchema(db)
                    try await db.registerPhone(phone, schoolCode: school, name: name, language: language, actor: "cli")
                    say("Registered \(DarasaStore.normalizePhone(phone)) for school \(school) (replies in \(language)).")
                } catch { await db.close(); throw error }
                await db.close()
            }
        }
    }

    struct ListPhones: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The registered phones.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await runReportingErrors {
                let db = try await store.open()
                do {
                    for p in try await db.registeredPhones() { say("\(p.phone)\t\(p.schoolName)\t\(p.name)\t\(p.language)") }
                } catch { await db.close(); throw error }
                await db.close()
            }
        }
    }
}
