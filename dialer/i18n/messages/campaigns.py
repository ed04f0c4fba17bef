"""Campaign definitions and call scripts (``dialer/campaigns``)."""

MESSAGES = {
    "the body must be a JSON object: a campaign definition": (
        "isi permintaan harus berupa objek JSON: definisi kampanye"
    ),
    "campaign {name} exists already; PUT /api/campaigns/{name} changes it": (
        "kampanye {name} sudah ada; PUT /api/campaigns/{name} untuk mengubahnya"
    ),
    "needs a time zone offset, e.g. 2022-09-30T23:59:59+07:00 (WIB)": (
        "perlu selisih zona waktu, mis. 2022-09-30T23:59:59+07:00 (WIB)"
    ),
    "template variable {key} must be a number, as in Twilio": (
        "variabel templat {key} harus berupa angka, seperti di Twilio"
    ),
    "variable {key} = {name} is not one of {sorted(allowed)}": (
        "variabel {key} = {name} bukan salah satu dari {sorted(allowed)}"
    ),
    "say_voice {self.say_voice} does not speak {self.language}": (
        "say_voice {self.say_voice} tidak berbahasa {self.language}"
    ),
    "the period ends before it starts": "periode berakhir sebelum dimulai",
    "apology_message may fill in only caller and purpose (in braces)": (
        "apology_message hanya boleh mengisi caller dan purpose (dalam kurung kurawal)"
    ),
    "target_abandon_percent {self.target_abandon_percent} is above the abandon limit"
    " {self.abandon_limit_percent}: the target must be within it": (
        "target_abandon_percent {self.target_abandon_percent} melebihi batas abandon"
        " {self.abandon_limit_percent}: target harus di dalam batas itu"
    ),
    'pacing_ratio {self.pacing_ratio} is for pacing_mode "power"; progressive places one'
    " call per free agent": (
        'pacing_ratio {self.pacing_ratio} hanya untuk pacing_mode "power"; progressive'
        " menempatkan satu panggilan per agen yang bebas"
    ),
    "must be 3-80 characters of lowercase letters, digits and dashes, starting with a letter": (
        "harus 3-80 karakter berupa huruf kecil, angka, dan tanda hubung, diawali huruf"
    ),
    "a campaign calls at least one tier": "kampanye menghubungi minimal satu tier",
    "{tier} is not a tier ({', '.join(TIERS)})": "{tier} bukan tier ({', '.join(TIERS)})",
    "a tier is listed twice": "sebuah tier tercantum dua kali",
    "{day} is not a weekday ({', '.join(WEEKDAYS)})": "{day} bukan nama hari ({', '.join(WEEKDAYS)})",
    "the calling window has no day": "jendela panggilan tidak memiliki hari",
    "penalty.{self.product} is empty: the campaign's product needs one": (
        "penalty.{self.product} kosong: produk kampanye memerlukannya"
    ),
    "transfers: a destination key appears twice": "transfers: sebuah kunci tujuan muncul dua kali",
    "{text} is not a duration like 15m, 2h or 1d": "{text} bukan durasi seperti 15m, 2h atau 1d",
    "calling hours are the customer's local time: no UTC offset": (
        "jam panggilan adalah waktu setempat pelanggan: tanpa selisih UTC"
    ),
    "ends at {self.end}, not after it starts at {self.start}": (
        "berakhir pukul {self.end}, tidak setelah mulai pukul {self.start}"
    ),
    # call scripts and guides
    "malformed braces: {exc}": "kurung kurawal tidak sesuai: {exc}",
    "step {key} is missing (the script needs all of {', '.join(STEP_KEYS)})": (
        "langkah {key} tidak ada (skrip memerlukan semua dari {', '.join(STEP_KEYS)})"
    ),
    "step {key} appears {keys.count(key)} times": "langkah {key} muncul {keys.count(key)} kali",
    "{where}: unknown step key; expected one of {', '.join(STEP_KEYS)}": (
        "{where}: kunci langkah tidak dikenal; seharusnya salah satu dari {', '.join(STEP_KEYS)}"
    ),
    "{where} {label}: unknown placeholder {{{name}}} (known: {', '.join(sorted(PLACEHOLDERS))})": (
        "{where} {label}: placeholder {{{name}}} tidak dikenal"
        " (yang dikenal: {', '.join(sorted(PLACEHOLDERS))})"
    ),
    "{where}: records unknown field {field}": "{where}: mencatat kolom tidak dikenal {field}",
    "{where} branches[{i}]: unknown outcome {branch.outcome}": (
        "{where} branches[{i}]: hasil tidak dikenal {branch.outcome}"
    ),
    "{where} branches[{i}]: then {branch.then} is not end, caring, next or step:<key>": (
        "{where} branches[{i}]: then {branch.then} bukan end, caring, next atau step:<key>"
    ),
    "{where} branches[{i}]: goes to step {match.group(2)}, which the script lacks": (
        "{where} branches[{i}]: menuju langkah {match.group(2)}, yang tidak ada dalam skrip"
    ),
    "steps must be numbered in increasing order": "langkah harus bernomor urut naik",
    "sla: give exactly one of by_tier and fixed_hours": (
        "sla: isi tepat satu dari by_tier dan fixed_hours"
    ),
    "sla.by_tier: no deadline for {tier}": "sla.by_tier: tidak ada batas waktu untuk {tier}",
    "mandatory_fields: a key appears twice": "mandatory_fields: sebuah kunci muncul dua kali",
    "{path.name}: cannot be read as YAML: {exc}": "{path.name}: tidak dapat dibaca sebagai YAML: {exc}",
    "{path.name}: needs kind: call_script or kind: guide": (
        "{path.name}: memerlukan kind: call_script atau kind: guide"
    ),
    "{path.name}: invalid {kind}": "{path.name}: {kind} tidak valid",
    "{path.name}: {len(problems)} problem(s) in {kind} {parsed.name}": (
        "{path.name}: {len(problems)} masalah dalam {kind} {parsed.name}"
    ),
    "no script named {name} in {directory}/ (the campaign's `script`)": (
        "tidak ada skrip bernama {name} di {directory}/ (`script` kampanye)"
    ),
    # the campaigns' service
    "campaign {current.name} is finished; it cannot change": (
        "kampanye {current.name} sudah selesai; tidak dapat diubah"
    ),
    "no campaign {text}": "tidak ada kampanye {text}",
    "cannot {action} campaign {current.name}: it is {current.state}"
    " ({action} applies to {' or '.join(sources)})": (
        "tidak dapat {action} kampanye {current.name}: statusnya {current.state}"
        " ({action} berlaku untuk {' or '.join(sources)})"
    ),
    "{where}: invalid campaign definition": "{where}: definisi kampanye tidak valid",
    "{path}: cannot be read as TOML: {exc}": "{path}: tidak dapat dibaca sebagai TOML: {exc}",
    "the definition is named {definition.name} but the URL names {expect_name};"
    " a campaign cannot be renamed": (
        "definisi bernama {definition.name} tetapi URL menyebut {expect_name};"
        " nama kampanye tidak dapat diubah"
    ),
    "{definition.script} is a {script.kind}, not a call script": (
        "{definition.script} adalah {script.kind}, bukan skrip panggilan"
    ),
    # where in the script, and the reason: the reason translated
    "{where} {label}: {exc}": "{where} {label}: {exc}",
    # transfer destinations (schemas.py)
    "example destination {self.key}: its number must be a placeholder"
    " ({PLACEHOLDER_PREFIX}…), not {self.number} that might ring someone": (
        "tujuan contoh {self.key}: nomornya harus berupa placeholder ({PLACEHOLDER_PREFIX}…),"
        " bukan {self.number} yang bisa membuat telepon seseorang berdering"
    ),
    "example destination {self.key}: say {EXAMPLE_MARK} in its label": (
        "tujuan contoh {self.key}: cantumkan {EXAMPLE_MARK} pada labelnya"
    ),
    "destination {self.key}: {self.number} is a placeholder; give the contact center's"
    " real number, or mark the destination example = true": (
        "tujuan {self.key}: {self.number} adalah placeholder; isi nomor asli contact center,"
        " atau tandai tujuan dengan example = true"
    ),
    "transfers need a transfer_guide (scripts/*.yaml, kind transfer_guide): the"
    " categories, the agent's lines and the log texts come from it": (
        "transfers memerlukan transfer_guide (scripts/*.yaml, kind transfer_guide): kategori,"
        " kalimat agen, dan teks catatan diambil dari sana"
    ),
    # call scripts' variants, branches and guides' conditions (scripts.py)
    "{where} variants[{i}]: when names no condition": (
        "{where} variants[{i}]: when tidak menyebut kondisi apa pun"
    ),
    "{where} variants[{i}]: unknown condition {when} (known: {', '.join(CONDITIONS)})": (
        "{where} variants[{i}]: kondisi {when} tidak dikenal"
        " (yang dikenal: {', '.join(CONDITIONS)})"
    ),
    "{where} branches[{i}]: resumes at step {branch.resume}, which the script lacks": (
        "{where} branches[{i}]: berlanjut di langkah {branch.resume}, yang tidak ada dalam skrip"
    ),
    "{where} branches[{i}]: action and resume belong to then: caring": (
        "{where} branches[{i}]: action dan resume hanya berlaku untuk then: caring"
    ),
    "{where}: no other field {when.field} in the guide": (
        "{where}: tidak ada kolom lain {when.field} dalam panduan"
    ),
    "{where}: {when.equals} are not choices of {when.field}": (
        "{where}: {when.equals} bukan pilihan dari {when.field}"
    ),
    "{where}: a field required always needs no condition": (
        "{where}: kolom yang selalu wajib tidak memerlukan kondisi"
    ),
    # the campaigns' service: example destinations and the transfer guide (service.py)
    "{source}: example transfer destinations in a deployment that calls real phones": (
        "{source}: ada tujuan transfer contoh di deployment yang menelepon nomor sungguhan"
    ),
    "an example (contoh) with a placeholder number: give the contact center's real number"
    " and drop example = true": (
        "tujuan contoh dengan nomor placeholder: isi nomor asli contact center dan hapus"
        " example = true"
    ),
    "{source}: the transfers do not fit transfer guide {guide.name}": (
        "{source}: transfers tidak sesuai dengan panduan transfer {guide.name}"
    ),
    # transfer guides (transfer_guide.py)
    "category {key} appears {keys.count(key)} times": "kategori {key} muncul {keys.count(key)} kali",
    "{where}: a transfer needs the customer's consent; list the words that give it"
    " (consent: [YA, Baik])": (
        "{where}: transfer memerlukan persetujuan pelanggan; cantumkan kata-kata yang"
        " menyatakannya (consent: [YA, Baik])"
    ),
    "{where}: consent is for transfers; an educate category has none": (
        "{where}: consent hanya untuk transfer; kategori educate tidak memilikinya"
    ),
    "{where} {label}: unknown placeholder {{{name}}} ({known})": (
        "{where} {label}: placeholder {{{name}}} tidak dikenal ({known})"
    ),
    "none: declare it in log.fields": "tidak ada: deklarasikan di log.fields",
    "{path.name}: needs kind: {KIND}": "{path.name}: memerlukan kind: {KIND}",
    "{name} ({path.name}) is a {head.get('kind')}, not a {KIND}"
    " (the campaign's `transfer_guide`)": (
        "{name} ({path.name}) adalah {head.get('kind')}, bukan {KIND} (`transfer_guide` kampanye)"
    ),
    "no transfer guide named {name} in {directory}/ (the campaign's `transfer_guide`)": (
        "tidak ada panduan transfer bernama {name} di {directory}/ (`transfer_guide` kampanye)"
    ),
    "{d['category']} is not a category of transfer guide {guide['name']};"
    " transferred ones: {', '.join(transferred) or 'none'}": (
        "{d['category']} bukan kategori panduan transfer {guide['name']};"
        " yang ditransfer: {', '.join(transferred) or 'none'}"
    ),
    "category {d['category']} of guide {guide['name']} is answered by"
    " {category['procedure']} with no transfer; transferred ones:"
    " {', '.join(transferred) or 'none'}": (
        "kategori {d['category']} dari panduan {guide['name']} ditangani dengan"
        " {category['procedure']} tanpa transfer; yang ditransfer:"
        " {', '.join(transferred) or 'none'}"
    ),
    "guide {guide['name']} transfers category {key} but no destination is linked to it"
    " ([[transfers]] category = ...)": (
        "panduan {guide['name']} mentransfer kategori {key} tetapi belum ada tujuan yang"
        " terhubung dengannya ([[transfers]] category = ...)"
    ),
    "the log text of category {category['key']} needs {', '.join(missing)}": (
        "teks catatan kategori {category['key']} memerlukan {', '.join(missing)}"
    ),
    "required: {labels[k]}": "wajib diisi: {labels[k]}",
}
