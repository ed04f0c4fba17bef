"""Calls, attempts and "why not called" (``dialer/calls``)."""

MESSAGES = {
    "{state} is not a final state": "{state} bukan status akhir",
    "campaign {campaign.name} has no target with IndiHome number {indihome_number}": (
        "kampanye {campaign.name} tidak memiliki target dengan nomor IndiHome {indihome_number}"
    ),
    # why not called (why.py)
    "campaign {campaign.name} has no target with IndiHome or mobile number {indihome_number}": (
        "kampanye {campaign.name} tidak memiliki target dengan nomor IndiHome atau nomor ponsel"
        " {indihome_number}"
    ),
}
