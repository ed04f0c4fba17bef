"""The agents' work: presence, phones, calls, outcomes, tickets, transfers, monitoring
(``dialer/agents``)."""

MESSAGES = {
    # bots (the demo's configuration)
    "bot agents: no campaign {self.plan.campaign}": "agen bot: tidak ada kampanye {self.plan.campaign}",
    "bot outcome {name} is not one of {', '.join(OUTCOME_CODES)}": (
        "hasil bot {name} bukan salah satu dari {', '.join(OUTCOME_CODES)}"
    ),
    "bot outcome {name}: weight {weight} is not a whole number": (
        "hasil bot {name}: bobot {weight} bukan bilangan bulat"
    ),
    "bot outcomes: every weight is 0": "hasil bot: semua bobot 0",
    # call control
    "you can control only the call you hold": "Anda hanya dapat mengendalikan panggilan Anda sendiri",
    "the customer is no longer on the line": "pelanggan sudah tidak tersambung",
    "the customer is not with you yet": "pelanggan belum tersambung dengan Anda",
    "your phone is not connected": "telepon Anda belum tersambung",
    "the customer is on hold already": "pelanggan sudah ditahan",
    "the customer is not on hold": "pelanggan tidak sedang ditahan",
    "your microphone is muted already": "mikrofon Anda sudah dibisukan",
    "your microphone is not muted": "mikrofon Anda tidak sedang dibisukan",
    # console and presence
    "say a campaign to join, a state (available, paused, offline), or both": (
        "sebutkan kampanye yang diikuti, status (available, paused, offline), atau keduanya"
    ),
    "campaign {campaign.name} is finished": "kampanye {campaign.name} sudah selesai",
    "an agent can be {', '.join(CHOSEN)}, not {state}": (
        "status agen dapat {', '.join(CHOSEN)}, bukan {state}"
    ),
    "unknown pause reason {body.reason}: one of {', '.join(reasons)}": (
        "alasan istirahat tidak dikenal {body.reason}: salah satu dari {', '.join(reasons)}"
    ),
    "pause after the call: you are not on a call": (
        "istirahat setelah panggilan: Anda tidak sedang dalam panggilan"
    ),
    "join a campaign first: no campaign to take calls for": (
        "gabung ke kampanye dulu: belum ada kampanye untuk menerima panggilan"
    ),
    "record the outcome of your call first": "catat dulu hasil panggilan Anda",
    # phones
    "a softphone has no address": "softphone tidak memiliki alamat",
    "a SIP endpoint needs an address like sip:agent7@pbx.example.com": (
        "endpoint SIP memerlukan alamat seperti sip:agent7@pbx.example.com"
    ),
    "a phone endpoint needs a number in E.164, like +6281234567890": (
        "endpoint telepon memerlukan nomor dalam format E.164, seperti +6281234567890"
    ),
    "the carrier could not connect your phone: {exc}": (
        "operator tidak dapat menyambungkan telepon Anda: {exc}"
    ),
    "the softphone is simulated here: it needs no token": (
        "softphone di sini disimulasikan: tidak memerlukan token"
    ),
    "the carrier could not call you in: {exc}": "operator tidak dapat menghubungi Anda: {exc}",
    "your phone is still being called in": "telepon Anda masih sedang dihubungi",
    "the carrier could not switch: {exc}": "operator tidak dapat beralih: {exc}",
    "the carrier could not {plan.action} the call: {exc}": (
        "operator tidak dapat menjalankan {plan.action} pada panggilan: {exc}"
    ),
    "a message is a JSON object with a type": "pesan harus berupa objek JSON dengan type",
    "a message must be JSON": "pesan harus berupa JSON",
    "unknown message type {kind}: join, state or ping": (
        "jenis pesan {kind} tidak dikenal: join, state atau ping"
    ),
    # outcomes
    "is not a day a customer can be called back on": (
        "bukan hari pelanggan dapat ditelepon kembali"
    ),
    "is not one of {', '.join(CHANNEL_CODES)}": "bukan salah satu dari {', '.join(CHANNEL_CODES)}",
    "{name}: required for {self.code}": "{name}: wajib untuk {self.code}",
    "{name}: does not belong to {self.code}": "{name}: tidak berlaku untuk {self.code}",
    "wa_number: required for pays_via_bukalapak (the confirmed WA number)": (
        "wa_number: wajib untuk pays_via_bukalapak (nomor WA yang sudah dipastikan)"
    ),
    "verified: check the number, the owner's name and the address first"
    " (not yet: {', '.join(sorted(missing))})": (
        "verified: pastikan dulu nomor, nama pemilik, dan alamat"
        " (belum: {', '.join(sorted(missing))})"
    ),
    "new_address: required when the address on file is not valid": (
        "new_address: wajib jika alamat yang tercatat tidak valid"
    ),
    "new_address: only when the address on file is not valid": (
        "new_address: hanya jika alamat yang tercatat tidak valid"
    ),
    "this call is not yours": "panggilan ini bukan milik Anda",
    "you can record an outcome only for the call you hold": (
        "Anda hanya dapat mencatat hasil untuk panggilan Anda sendiri"
    ),
    "the callback time has passed": "waktu telepon kembali sudah lewat",
    "must be in the future": "harus di masa mendatang",
    "the callback falls after the campaign": "waktu telepon kembali jatuh setelah kampanye berakhir",
    "needs a zone, e.g. 2022-09-06T10:00:00+08:00": (
        "perlu zona waktu, mis. 2022-09-06T10:00:00+08:00"
    ),
    # records and tickets
    "state {state} is not one of {', '.join(tickets.STATES)}": (
        "status {state} bukan salah satu dari {', '.join(tickets.STATES)}"
    ),
    "not in the guide": "tidak ada dalam panduan",
    "{field.label}: required": "{field.label}: wajib diisi",
    "one of {', '.join(field.choices)}, not {value}": (
        "salah satu dari {', '.join(field.choices)}, bukan {value}"
    ),
    "the ticket misses what guide {guide.name} asks": (
        "tiket belum memuat yang diminta panduan {guide.name}"
    ),
    "no ticket {ticket_id}": "tidak ada tiket {ticket_id}",
    "ticket {ticket_id} is closed already": "tiket {ticket_id} sudah ditutup",
    "either the existing ticket's number or a new ticket, not both": (
        "isi nomor tiket yang sudah ada atau tiket baru, tidak keduanya"
    ),
    "{name} is a call script, not a solution guide": "{name} adalah skrip panggilan, bukan panduan solusi",
    "is not a guide": "bukan panduan",
    "no solution guide named {name}": "tidak ada panduan solusi bernama {name}",
    # transfers
    "the carrier could not transfer the call: {error}": (
        "operator tidak dapat mentransfer panggilan: {error}"
    ),
    "the destination has not answered yet": "tujuan belum menjawab",
    "the carrier could not hand the customer over: {exc}": (
        "operator tidak dapat menyerahkan pelanggan: {exc}"
    ),
    "no warm transfer {transfer_id} of yours is under way": (
        "tidak ada transfer hangat {transfer_id} milik Anda yang sedang berjalan"
    ),
    "you can transfer only the call you hold": "Anda hanya dapat mentransfer panggilan Anda sendiri",
    "the call is not live ({call['call_state']}): only a live call is transferred": (
        "panggilan tidak sedang berlangsung ({call['call_state']}):"
        " hanya panggilan yang berlangsung yang dapat ditransfer"
    ),
    "no transfer destination {form.destination}": "tidak ada tujuan transfer {form.destination}",
    "one of: {known}": "salah satu dari: {known}",
    "this call is being transferred already": "panggilan ini sudah sedang ditransfer",
    "the customer is not with you: a warm transfer starts from your call": (
        "pelanggan tidak sedang bersama Anda: transfer hangat dimulai dari panggilan Anda"
    ),
    # supervisors
    "no live monitoring {monitor_id} of yours": (
        "tidak ada pemantauan {monitor_id} milik Anda yang sedang berjalan"
    ),
    "no monitoring {monitor_id}": "tidak ada pemantauan {monitor_id}",
    "you are monitoring a call already: leave it first": (
        "Anda sudah memantau panggilan: tinggalkan dulu"
    ),
    "agent {form.agent_id}'s phone is not connected: nothing to join": (
        "telepon agen {form.agent_id} belum tersambung: tidak ada yang bisa diikuti"
    ),
    # follow-ups (actions.py, records.py)
    "no follow-up {follow_up_id}": "tidak ada tindak lanjut {follow_up_id}",
    "follow-up {follow_up_id} is closed already": "tindak lanjut {follow_up_id} sudah ditutup",
    # outcomes (outcomes.py)
    "ticket: give tickets or ticket, not both": "ticket: isi tickets atau ticket, tidak keduanya",
    "cancellation: a closure request ends the call as wants_cancellation": (
        "cancellation: permintaan penutupan mengakhiri panggilan sebagai wants_cancellation"
    ),
    # tickets (tickets.py)
    "{field.label}: required when {condition}": "{field.label}: wajib diisi jika {condition}",
    # transfer guides (transfer_guides.py, transfer_guide_routes.py)
    "query parameter 'attempt_id' is required: the call you hold": (
        "parameter kueri 'attempt_id' wajib diisi: panggilan yang sedang Anda tangani"
    ),
    "the campaign has no transfer guide: name one (transfer_guide) and apply it again;"
    " its categories say when a call is transferred": (
        "kampanye tidak memiliki panduan transfer: sebutkan satu (transfer_guide) lalu"
        " terapkan kampanye lagi; kategorinya menentukan kapan panggilan ditransfer"
    ),
    "transfer guide {name} ({digest}) is not stored: apply the campaign again": (
        "panduan transfer {name} ({digest}) tidak tersimpan: terapkan kampanye lagi"
    ),
    "no category {key} in transfer guide {guide['name']}": (
        "tidak ada kategori {key} dalam panduan transfer {guide['name']}"
    ),
    "this is not the call you hold": "ini bukan panggilan yang sedang Anda tangani",
    "category {form.category} is transferred, not informed: the guide says to transfer"
    " the call (POST /api/agent/transfer) after the customer agrees": (
        "kategori {form.category} ditransfer, bukan sekadar diinformasikan: panduan meminta"
        " panggilan ditransfer (POST /api/agent/transfer) setelah pelanggan setuju"
    ),
    # transfers (transfers.py)
    "destination {destination['key']} is an example (contoh): its number"
    " {destination['number']} is a placeholder, and this deployment calls real phones;"
    " the manager puts the contact center's real number in the campaign": (
        "tujuan {destination['key']} hanyalah contoh: nomornya {destination['number']}"
        " adalah placeholder, sedangkan deployment ini menelepon nomor sungguhan; manajer"
        " perlu memasukkan nomor asli contact center ke dalam kampanye"
    ),
    "none: the campaign has no transfer destinations": (
        "tidak ada: kampanye tidak memiliki tujuan transfer"
    ),
    "the customer has not agreed to the transfer: {given}": (
        "pelanggan belum menyetujui transfer: {given}"
    ),
    "no consent was given": "tidak ada persetujuan yang diberikan",
    "{said} is not consent": "{said} bukan persetujuan",
    "category {chosen['key']} ({chosen['label']}) is transferred only after the customer"
    " answers the apology line with {' or '.join(words)}; say the line, then send the"
    " word they answered": (
        "kategori {chosen['key']} ({chosen['label']}) hanya ditransfer setelah pelanggan"
        " menjawab kalimat permintaan maaf dengan {' or '.join(words)}; sampaikan kalimatnya,"
        " lalu kirim kata yang dijawab pelanggan"
    ),
    "user {username} is a {role}: only agents are assigned to campaigns": (
        "pengguna {username} adalah {role}: hanya agen yang ditugaskan ke kampanye"
    ),
    "campaign {campaign.name} is {campaign.state}: agents join running campaigns": (
        "kampanye {campaign.name} berstatus {campaign.state}: agen bergabung ke kampanye yang"
        " sedang berjalan"
    ),
    "you are not assigned to campaign {campaign.name}: a manager assigns its agents": (
        "Anda tidak ditugaskan ke kampanye {campaign.name}: manajer yang menugaskan agennya"
    ),
    "your session has ended: log in again": "sesi Anda telah berakhir: masuk lagi",
}
