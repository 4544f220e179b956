import DarasaCore
import DarasaIngest
import DarasaStore
import Foundation
import Hummingbird

/// The webhook an SMS gateway calls with each message from a basic phone
/// (`POST /api/v1/sms/inbound`, form fields `from`, `text`, `id` — Africa's Talking's names;
/// Twilio's `From`, `Body`, `MessageSid` work too). The gateway proves itself with the shared
/// secret in `X-Darasa-Token` (`darasa serve --sms-token`). The answer is the reply to send back
/// to the phone, as plain text, in the language registered for the phone: a confirmation, or
/// one clear error saying what to send instead. Every message is stored with its reply.
struct SMSRoutes {
    let services: Services
    static let daysBack = 7

    struct Inbound: Decodable {
        var from: String?
        var text: String?
        var id: String?
        var From: String?
        var Body: String?
        var MessageSid: String?
    }

    func register(on v1: RouterGroup<AppContext>) {
        v1.get("sms/inbound") { _, context -> Response in
            _ = try context.requireSession()
            throw HTTPError(.methodNotAllowed, message: "SMS gateways POST each message here with the server's token (docs/sms-guide.md).")
        }
        v1.post("sms/inbound") { request, context in
            guard let token = services.settings.smsToken else {
                throw HTTPError(.notFound, message: "SMS is not set up on this server; start it with --sms-token SECRET and give the gateway that secret.")
            }
            guard let sent = request.headers[.init("X-Darasa-Token")!], Tokens.constantTimeEqual(sent, token) else {
                throw HTTPError(.unauthorized, message: "The gateway's token is missing or wrong; send the server's SMS secret in X-Darasa-Token.")
            }
            let form = try await readForm(Inbound.self, request, context: context)
            guard let from = form.from ?? form.From, let text = form.text ?? form.Body else {
                throw HTTPError(.badRequest, message: "A message needs `from` (the sender's number) and `text`.")
            }
            let reply = try await handle(from: from, text: text, gatewayID: form.id ?? form.MessageSid)
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
    }

    func handle(from: String, text: String, gatewayID: String?) async throws -> String {
        let store = services.store
        if let gatewayID, let earlier = try await store.smsReply(gatewayID: gatewayID) { return earlier }
        guard let phone = try await store.registeredPhone(from) else {
            let l = services.pages.localizer("en")
            let reply = l("sms_unknown_number")
            try await store.recordSMS(sender: from, gatewayID: gatewayID, body: text, schoolID: nil, stored: false, reply: reply, day: nil)
            return reply
        }
        let l = services.pages.localizer(phone.language)
        let today = services.today
        func refuse(_ reply: String) async throws -> String {
            try await store.recordSMS(sender: from, gatewayID: gatewayID, body: text, schoolID: phone.schoolID, stored: false, reply: reply, day: nil)
            return reply
        }
        switch SMSParser.parse(text, year: today.year) {
        case .failure(let e):
            return try await refuse(l("sms_error_" + e.code.rawValue, ["token": e.token]) + " " + l("sms_example"))
        case .success(.help):
            return try await refuse(l("sms_help"))
        case .success(.attendance(let day, let counts)):
            let d = day ?? today
            if let problem = dateProblem(d, today: today, l) { return try await refuse(problem) }
            let enrolled = try await store.enrolledByGrade(schoolID: phone.schoolID)
            for c in counts {
                guard let e = enrolled[c.grade], e.girls + e.boys > 0 else {
                    return try await refuse(l("sms_error_grade_not_taught", ["grade": String(c.grade), "school": phone.schoolName]))
                }
                if c.girls > e.girls || c.boys > e.boys {
                    return try await refuse(l("sms_error_more_than_enrolled", ["grade": String(c.grade), "girls": String(e.girls), "boys": String(e.boys)]))
                }
            }
            let summary = counts.map { l("sms_grade_counts", ["grade": String($0.grade), "girls": String($0.girls), "boys": String($0.boys)]) }.joined(separator: "; ")
            let reply = l("sms_attendance_ok", ["day": d.iso, "school": phone.schoolName, "counts": summary])
            try await store.recordSMS(sender: from, gatewayID: gatewayID, body: text, schoolID: phone.schoolID, stored: true, reply: reply, day: d, counts: counts)
            return reply
        case .success(.teachers(let day, let present, let absent)):
            let d = day ?? today
            if let problem = dateProblem(d, today: today, l) { return try await refuse(problem) }
            let posted = try await store.teachersPosted(schoolID: phone.schoolID)
            if posted > 0, present + absent > posted {
                return try await refuse(l("sms_error_teachers", ["count": String(present + absent), "posted": String(posted)]))
            }
            let reply = l("sms_teachers_ok", ["day": d.iso, "school": phone.schoolName, "present": String(present), "absent": String(absent)])
            try await store.recordSMS(sender: from, gatewayID: gatewayID, body: text, schoolID: phone.schoolID, stored: true, reply: reply, day: d,
                                      teachers: (present, absent))
            return reply
        }
    }

    func dateProblem(_ d: Day, today: Day, _ l: Localizer) -> String? {
        if d > today { return l("sms_error_future", ["day": d.iso]) }
        if today - d > Self.daysBack { return l("sms_error_too_old", ["day": d.iso, "days": String(Self.daysBack)]) }
        return nil
    }
}
