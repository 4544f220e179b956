import ArgumentParser
import DarasaCore
import DarasaServer
import DarasaStore
import Foundation

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage accounts.", subcommands: [CreateUser.self])
}

struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user",
        abstract: "Create an account scoped to an org unit. Reads the password from standard input.",
        discussion: "Example: echo 'a long passphrase' | darasa admin create-user --username amina --role district_officer --org-unit D01")

    @OptionGroup var store: StoreOptions

    @Option(help: "Username used to sign in.")
    var username: String

    @Option(help: "Full name shown in the app.")
    var name: String?

    @Option(help: "One of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
    var role: String

    @Option(help: "Code of the org unit the role covers (a school code, district code, … or the country code).")
    var orgUnit: String

    @Option(help: "For a teacher: their HR payroll number, which links them to their classes.")
    var teacherKey: String?

    func validate() throws {
        guard Role(rawValue: role) != nil else {
            throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")); \(role) is not.")
        }
        guard username.count >= 2, username.count <= 64, username.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw ValidationError("--username must be 2–64 letters, digits, dots, dashes or underscores.")
        }
    }

    func run() async throws {
        try await runReportingErrors {
            guard let line = readLine(strippingNewline: true), line.count >= 8 else {
                throw UserFacingError("Give the password on standard input, at least 8 characters long.")
            }
            let db = try await store.open()
            do {
                try await db.migrate()
                guard let unit = try await db.orgUnit(code: orgUnit) else {
                    throw UserFacingError("No org unit has the code \(orgUnit); load the school census first or check the code.")
                }
                var teacherID: TeacherID?
                if let teacherKey {
                    guard let id = try await db.teacherID(source: "hr", key: teacherKey) else {
                        throw UserFacingError("No teacher has the payroll number \(teacherKey); load the HR file first or check the number.")
                    }
                    teacherID = id
                }
                let hash = try await PasswordHasher.hash(line)
                try await db.createUser(username: username, displayName: name ?? username, passwordHash: hash,
                                        role: Role(rawValue: role)!, orgUnitID: unit.id, teacherID: teacherID, actor: "cli")
                say("Created \(username) (\(role)) for \(unit.name).")
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }
}
