/// The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json. A test checks that
/// every /api/v1 route the router registers is described here.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Darasa API",
        "version": "1.0.0",
        "description": "Education data for every tier. Sign in with POST /login (form fields username, password, csrf) and send the darasa_session cookie. Every endpoint answers only within the caller's area: anything outside it is 404. Learner names are returned only to the school tier (teacher, head teacher). Beyond the school, learner-based counts under 10 are withheld (null, listed in `suppressed`)."
      },
      "servers": [{"url": "/api/v1"}],
      "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "darasa_session"}},
        "schemas": {
          "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"message": {"type": "string"}}}}},
          "OrgUnit": {"type": "object", "required": ["id", "depth", "code", "name"], "properties": {
            "id": {"type": "integer"}, "parentId": {"type": ["integer", "null"]}, "depth": {"type": "integer"},
            "code": {"type": "string"}, "name": {"type": "string"}, "locality": {"type": ["string", "null"], "enum": ["urban", "rural", null]},
            "latitude": {"type": ["number", "null"]}, "longitude": {"type": ["number", "null"]}}},
          "Me": {"type": "object", "properties": {"username": {"type": "string"}, "displayName": {"type": "string"},
            "role": {"type": "string", "enum": ["teacher", "head_teacher", "district_officer", "national_analyst", "admin"]},
            "orgUnit": {"$ref": "#/components/schemas/OrgUnit"}, "seesLearnerNames": {"type": "boolean"}}},
          "Overview": {"type": "object", "properties": {"year": {"type": ["integer", "null"]}, "schools": {"type": "integer"},
            "enrolment": {"type": "integer"}, "attendanceRate": {"type": ["number", "null"]}, "learnersAssessed": {"type": "integer"},
            "chronicallyAbsent": {"type": "integer"}, "teachers": {"type": "integer"}}},
          "SchoolFigures": {"type": "object", "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
            "locality": {"type": ["string", "null"]}, "enrolment": {"type": "integer"}, "enrolmentFemale": {"type": "integer"},
            "attendanceRate": {"type": ["number", "null"]}, "learnersWithAttendance": {"type": ["integer", "null"]},
            "chronicallyAbsent": {"type": ["integer", "null"]}, "learnersAssessed": {"type": ["integer", "null"]},
            "teachers": {"type": "integer"}, "pupilTeacherRatio": {"type": ["number", "null"]}, "lastVisit": {"type": ["string", "null"], "format": "date"},
            "suppressed": {"type": "array", "items": {"type": "string"}}}},
          "ImportBatch": {"type": "object", "properties": {"id": {"type": "integer"}, "source": {"type": "string"}, "description": {"type": "string"},
            "user": {"type": ["string", "null"]}, "startedAt": {"type": "integer"}, "status": {"type": "string"}, "mapping": {"type": ["string", "null"]},
            "rowsRead": {"type": "integer"}, "stored": {"type": "integer"}, "updated": {"type": "integer"}, "unchanged": {"type": "integer"},
            "quarantined": {"type": "integer"}, "skipped": {"type": "integer"}, "deleted": {"type": "integer"}, "quarantineFiles": {"type": ["array", "null"], "items": {"type": "string"}}}},
          "Learner": {"type": "object", "properties": {"id": {"type": "integer"}, "givenName": {"type": "string"}, "familyName": {"type": "string"},
            "sex": {"type": "string", "enum": ["female", "male"]}, "grade": {"type": "integer"}, "section": {"type": "string"},
            "status": {"type": "string"}, "attendanceRate": {"type": ["number", "null"]}, "daysAbsent": {"type": "integer"}}}
        },
        "responses": {
          "Unauthorized": {"description": "Not signed in.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "NotFound": {"description": "Not found in your area.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      },
      "security": [{"session": []}],
      "paths": {
        "/mappings": {"get": {"summary": "The mappings a file can be imported through (data officers only).", "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object",
            "properties": {"name": {"type": "string"}, "title": {"type": "string"}, "source": {"type": "string"}, "target": {"type": "string"}}}}}}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"description": "Not a data officer."}}}},
        "/imports": {"get": {"summary": "Recent import batches with their reports (administrators and national officers: all; district officers: their own).", "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ImportBatch"}}}}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"description": "Not a data officer."}}},
          "post": {"summary": "Import one file (the request body, up to 64 MB) through a mapping: valid rows land in one transaction, the rest are quarantined with reasons. A .zip (name it with ?file=bundle.zip) is unpacked and the mapping reads its file(s) from it, honouring a OneRoster manifest. Audited.",
          "parameters": [{"name": "mapping", "in": "query", "required": true, "schema": {"type": "string"}, "description": "a name from GET /mappings"},
            {"name": "file", "in": "query", "required": false, "schema": {"type": "string"}, "description": "the file's name, for reports and quarantine"}],
          "requestBody": {"required": true, "content": {"text/csv": {}, "application/json": {}, "application/zip": {}, "application/octet-stream": {}}},
          "responses": {"201": {"description": "Imported; the report adds up: rowsRead = stored + updated + unchanged + deleted + quarantined.",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"report": {"type": "object"}}}}}},
            "400": {"description": "No mapping named, or an empty body."}, "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"description": "Not a data officer."}, "413": {"description": "Larger than 64 MB."},
            "422": {"description": "The file cannot be read through the mapping (e.g. a missing column); nothing was stored."}}}},
        "/imports/{id}": {"get": {"summary": "One import batch's report and the files it quarantined rows from.",
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ImportBatch"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"description": "Not a data officer."}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/imports/{id}/quarantine": {"get": {"summary": "The quarantined rows of one file of a batch as CSV (the file's columns, then darasa_row, darasa_column, darasa_problem, darasa_fix), to fix and import again. Only who ran the import, or an administrator. Audited.",
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
            {"name": "file", "in": "query", "required": false, "schema": {"type": "string"}}], "responses": {
          "200": {"description": "CSV", "content": {"text/csv": {}}}, "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"description": "Not the importer or an administrator."}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/quality/scores": {"get": {"summary": "Data-quality scorecard for the units one level below `unit` (default: the caller's own unit), by year: completeness, timeliness, validity, consistency (share of checks passed), overall and open findings. Not for teachers.",
          "parameters": [{"name": "unit", "in": "query", "required": false, "schema": {"type": "integer"}, "description": "an org-unit id in the caller's area"},
            {"name": "domain", "in": "query", "required": false, "schema": {"type": "string", "enum": ["census", "enrolment", "attendance", "assessment", "teachers"]}, "description": "one source only"}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"description": "Teachers."}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/quality/findings": {"get": {"summary": "Findings at the schools under `unit` (default: the caller's), plainest first; ids only, never learner names.",
          "parameters": [{"name": "unit", "in": "query", "required": false, "schema": {"type": "integer"}},
            {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["open", "fixed", "corrected", "confirmed", "dismissed"]}}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"description": "Unknown status."},
            "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"description": "Teachers."}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/quality/findings/{id}": {"get": {"summary": "One finding in the caller's area.",
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"description": "Teachers."}, "404": {"$ref": "#/components/responses/NotFound"}}},
          "post": {"summary": "Resolve an open finding: {\"action\": \"corrected\", \"value\": …} or {\"action\": \"confirmed\"|\"dismissed\", \"reason\": …}. Audited.",
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
          "requestBody": {"required": true, "content": {"application/json": {}}},
          "responses": {"200": {"description": "The finding, resolved."}, "400": {"description": "No value to correct, or no reason to confirm or dismiss."},
            "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"description": "Teachers."}, "404": {"$ref": "#/components/responses/NotFound"},
            "409": {"description": "Already resolved."}}}},
        "/quality/todo": {"get": {"summary": "A school's open findings as short text messages (at most 160 characters each), for a basic phone.",
          "parameters": [{"name": "school", "in": "query", "required": false, "schema": {"type": "integer"}}],
          "responses": {"200": {"description": "Text", "content": {"text/plain": {}}}, "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"description": "Teachers."}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/signoffs": {"get": {"summary": "Approvals in force over and under `unit` (default: the caller's).",
          "parameters": [{"name": "unit", "in": "query", "required": false, "schema": {"type": "integer"}}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"},
            "403": {"description": "Teachers."}, "404": {"$ref": "#/components/responses/NotFound"}}},
          "post": {"summary": "Approve or withdraw (with a reason) one source (census, enrolment, attendance, assessment, teachers) for one school year at the caller's own unit and level (head teacher: school; district officer: district; national analyst: country). Approved data is locked against imports. Audited.",
          "requestBody": {"required": true, "content": {"application/json": {}}},
          "responses": {"200": {"description": "The approvals now in force."}, "400": {"description": "Open errors, a higher level's lock, no reason to withdraw, or an unknown source or year."},
            "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"description": "Teachers and administrators do not approve data."}}}},
        "/indicators": {"get": {"summary": "The indicator catalogue: id, title, measure, kind and a plain-language definition.", "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/indicators/{indicator}": {"get": {"summary": "One indicator for every unit at a level of the caller's area, optionally broken down. Beyond the school tier cells on fewer than 10 learners are withheld, with complementary suppression. format=csv downloads it (audited).",
          "parameters": [{"name": "indicator", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "level", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}, "description": "depth of the hierarchy (0 = country); default the caller's own level"},
            {"name": "by", "in": "query", "required": false, "schema": {"type": "string", "enum": ["none", "sex", "disability", "grade", "locality"]}},
            {"name": "format", "in": "query", "required": false, "schema": {"type": "string", "enum": ["json", "csv"]}}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "properties": {
            "indicator": {"type": "object"}, "yearID": {"type": "integer"}, "level": {"type": "string"}, "breakdown": {"type": "string"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {"unitCode": {"type": "string"}, "unitName": {"type": "string"},
              "category": {"type": "string"}, "value": {"type": ["number", "null"]}, "base": {"type": "integer"}, "withheld": {"type": ["string", "null"]}}}},
            "parity": {"type": "object", "additionalProperties": {"type": "number"}}}}}, "text/csv": {}}},
          "400": {"description": "A level or breakdown that does not exist for this indicator."},
          "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/me": {"get": {"summary": "The signed-in user and their area.", "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/overview": {"get": {"summary": "Headline figures for the caller's area in the latest school year.", "responses": {
          "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Overview"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}}}},
        "/org-units/{id}": {"get": {"summary": "One org unit.", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrgUnit"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/org-units/{id}/children": {"get": {"summary": "The units directly below one org unit.", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/OrgUnit"}}}}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/schools": {"get": {"summary": "Figures for every school in the caller's area, or under one org unit.", "parameters": [{"name": "under", "in": "query", "required": false, "schema": {"type": "integer"}}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/SchoolFigures"}}}}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/schools/{id}": {"get": {"summary": "Figures for one school.", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SchoolFigures"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}},
        "/schools/{id}/learners": {"get": {"summary": "The school's learners with names (school tier only; a teacher sees their own classes). Audited.", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Learner"}}}}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"description": "Learner names stay at the school tier."}, "404": {"$ref": "#/components/responses/NotFound"}}}}
      }
    }
    """#
}
