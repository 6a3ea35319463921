"""Which other agency a message is about, when it uses ID-card words for another office's service.

"buka rekening pake ktp", "registrasi kartu sim pake nik" or "bikin paspor syaratnya" mention
the card or the NIK, yet neither the recording office nor this bot can help: the answer names
whose service it is. Only words that no recording question uses are listed, so "ktp hilang"
stays ours and "paspor hilang" does not.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.nlu.normalize import word_set

# agency key -> words that name its service (canonical tokens or their stems)
AGENCY_WORDS: dict[str, frozenset[str]] = {
    "imigrasi": word_set("paspor pasport passport imigrasi visa"),
    "bank": word_set("rekening tabungan bank atm bri bca bni mandiri btn kredit"),
    "bpjs": word_set("bpjs jkn kis jht"),
    "djp": word_set("npwp efin pajak pbb djp spt"),
    "operator": word_set(
        """simcard telkomsel indosat xl axis smartfren tri by.u provider operator pulsa
        perdana"""
    ),
    "polri": word_set("sim satpas skck stnk bpkb samsat tilang"),
    "kpu": word_set("kpu dpt pemilu pemilih tps pilkada pileg pilpres kpps coblos nyoblos"),
}
# "kartu sim" and "nomor hp" registration: SIM card, not the driving licence
_PHONE = word_set("hp handphone nomor nomer no telepon ponsel")
_REGISTER = word_set("registrasi regis register daftar")
# What only a recording question says: with these, the message is ours after all.
_RECORDING = word_set("rekam perekaman record recording blangko")


def other_agency(words: Iterable[str]) -> str | None:
    """The agency whose service the message asks about, or None (ours, or no agency named)."""
    seen = set(words)
    if not _RECORDING.isdisjoint(seen):
        return None
    if ("kartu" in seen and "sim" in seen) or (
        not _PHONE.isdisjoint(seen) and not _REGISTER.isdisjoint(seen) and "nik" in seen
    ):
        return "operator"
    for agency, names in AGENCY_WORDS.items():
        if not names.isdisjoint(seen):
            return agency
    return None
