"""Normalisation of informal Indonesian (and short English) chat text.

Two layers:

* :func:`light_tokens` needs no training data: lowercase, strip accents, emoji and punctuation,
  unify the many spellings of e-KTP into one token ``ektp``, split letters from digits ("sman6",
  "tgl5"), squeeze stretched letters ("bukaaa"), map slang and abbreviations to one canonical word
  ("gmn" → "bagaimana", "gak" → "tidak") and merge a few fixed phrases ("terima kasih" →
  "terimakasih"). Dates and kecamatan are read from these tokens.
* :class:`Normalizer` knows the vocabulary of the training examples and additionally splits glued
  words ("dimanaya" → "dimana ya"), corrects typos against that vocabulary ("pendaftran" →
  "pendaftaran"), drops filler words and reduces words to a light stem for features
  ("pendaftarannya" → "daftar").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

# Longer messages are cut: nobody asks a question in more than this, and the cost stays bounded.
MAX_CHARS = 800
SHORTEST_ROOT = True


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string (easy to read and extend)."""
    return frozenset(text.split())


# canonical = variants (whitespace separated). A canonical form may hold several words; a
# canonical form may repeat on several lines. Only spellings that cannot be an ordinary word of
# another meaning belong here ("tmr" is not "besok" because it also abbreviates "timur").
_SLANG_TABLE = """
saya = sy sya sayah aku aq ak akuh gw gue gua guwe w ane aye abdi kula ku kulo
kamu = km kmu lu lo loe elu elo ente situ sampean
kami = kmi
anak = anakku anaknya ank
orangtua = ortu ortunya
tidak = ga gak gk g nggak ngga ngak nggk engga enggak egak ndak nda tdk tak kagak kaga kgk gag ora
tidak = teu henteu mboten gaa ngk enda
tidak ada = gada gaada gakada tdkada
tidak bisa = gabisa gbs gakbisa gabs gbisa ngabisa
tidak jadi = gajadi gjadi gakjadi
tidak tahu = gatau gtau gatw gktau gaktau gatahu
tidak mau = gamau gmau
tidak apa = gapapa gpp gapp
sudah = udh udah uda dah sdh sdah udeh ude sudh wis wes atos geus
belum = blm blom belom blum lom durung acan belon blon dereng
bisa = bs bsa isa bsia iso tiasa saged
bagaimana = gmn gmna gmana gimana gimane gmn2 bgmn bgmna bagaimna bgaimana piye pie kepiye kumaha
bagaimana = pripun pegimane gimna gmnya
dimana = dmn dmna dmana dimn dimane dimna dimanakah dimanah dmnnya endi pundi dimandi
kemana = kmn kmna kemane kmana
darimana = drmn darmana
kapan = kpn kpan kapn iraha kapankah
berapa = brp brapa brpa berapaan sabaraha piro pinten brpaan
kenapa = knp knpa kenapah napa ngapa kenape naha
apa = ap apaan naon ape nopo menopo
apakah = apkh apakh apa_kah
siapa = sapa saha
yang = yg yng nyang
dengan = dgn dg dng
untuk = utk untk utuk tuk bwat pikeun kanggo
buat = bwt bkin bikin bikinin bikinkan bikinnya dibikinin dibikinkan dibikin
karena = krn krna karna soale soalnya
juga = jg jga
saja = aja aj ajah ajh doang doank wae
tapi = tp tpi
kalau = klo kalo kl klu kalu lamun
atau = ato atw
sama = sm ama
dari = dr dri
ini = ni iki
itu = tu iku
ada = ad aya ono adakah
harus = hrs kudu musti mesti wajib
sekarang = skrg skrng skg sekarng saiki ayeuna
nanti = ntar ntr nnti entar engke
besok = bsk bsok besuk esok isuk mbenjang enjing isukan tomorrow tmrw tomorow tommorow
hari ini = today tdy hrini
lusa = lsa
kemarin = kmrn kemaren kmaren kmarin
tanggal = tgl tgl. tg tangal tnggal tanggl
jam = jm
hari = hr
bulan = bln
tahun = thn th taun
umur = umr usia usianya umurnya
minggu = mgg mingu ahad sunday
sabtu = sbtu sabt saptu sbt saturday sat
senin = snin monday
selasa = slasa tuesday
rabu = wednesday
kamis = thursday
jumat = jumaat jmt jum jumat2 friday
libur = liburan holiday
weekend = wiken wikend wekend
tempat = tmpt tmp tpt t4
kantor = kntr ktr
kecamatan = kec kcmtn kecamtan kecmatan kcmatan camat
kelurahan = kel kelurhan klurahan lurah
desa = ds dsa
kabupaten = kab kabupatn
dukcapil = disdukcapil capil disduk dispenduk dispendukcapil disdukcapilnya dukcapilnya
rekam = ngerekam rekem rkm record rekm
foto = poto photo
daftar = dftr daptar dftar regist registrasi reg register regis
booking = boking bokin buking bookingan bokingan book
antri = antre ngantri ngantre antrian antrean antrinya
batal = btl cancel cencel cansel batalin batalkan
cek = check ceck cekin ngecek
status = sts
sekolah = sklh skolah skul school
rumah = rmh rmah
mau = mo mw pengen pgn pingin pngn ingin hoyong arep pengin bade badhe ajeng
cari = nyari nyariin cariin nyarinya
datang = dateng dtg dtng dtang
masih = msh msih
pakai = pake pakek
memang = emang emg
tahu = tau
maksud = mksd
sebelum = sblm
setelah = stlh
langsung = lsg lgsg lgs langsng
bukan = bkn
boleh = blh
cuma = cm
telepon = tlp telp telpon tlpn
whatsapp = wa wasap
keluar = klr kluar
masuk = msk
dalam = dlm
banyak = bnyk byk
katanya = ktnya
teman = tmn temen
saudara = sodara sdr sodaraku saudaraku
ayah = bokap papah papa bapa
ibu = nyokap mamah mama
adik = ade adek
selesai = kelar beres
lewat = lwt
tentang = ttg
kepada = kpd
urus = ngurus ngurusin mengurus urusin
cara = caranya crnya
info = inpo informasi infonya infokan infoin informasinya
tolong = tlg tlng tlong
mohon = mhn
terimakasih = tks tx thks makasih mksh mksih makasi trims trimakasih thx thanks thank tq ty tengkyu
terimakasih = nuhun suwun makaci mkasih terimaksih trmksh
assalamualaikum = aslm askum asalamualaikum assalamualaikom assalamualaikum. asslamualaikum
assalamualaikum = salamualaikum assalamu'alaikum assalamualaikumwrwb ass
waalaikumsalam = walaikumsalam waalaikumussalam
halo = hai hallo hello hi hy hei hey helo haloo hay hallo2 hola
oke = ok okey okay okee okeh oce sip siap noted
uang = duit duwit doku fulus money
ribu = rb rebu ribuan
juta = jt jeti
rupiah = rp
bayar = byr bayr mbayar
gratis = grts free geratis gratiss
biaya = biayanya byaya ongkos
pungli = pungutan_liar
calo = makelar
petugas = ptgs pegawai oknum
lapor = laporin ngelapor ngadu
komplain = complain komplen komplin
syarat = syrt sarat persyaratan syaratnya syarat2
berkas = brks brkas
dokumen = dokumen2 docs
fotokopi = fc fotocopy fotocopi fotokopian kopian fotocopyan
kk = kartukeluarga
ektp = id
akta = akte aktanya aktenya
hilang = ilang ilangg hlg hlng ngilang kehilangan ilg
rusak = rsk rusakk
patah = pata
cetak = ctk print cetakin nyetak
blangko = blanko blangkonya blank blanko2 blankonya
jadi = jd jdi dadi dados
dapat = dpt dapet dpet
ambil = ambl ngambil
benar = bener bnr bner
lama = lma
cepat = cepet cpt cpet
sampai = sampe smpe smpai ampe
sedang = sdg
lagi = lg lgi
terus = trs trus
dulu = dl dlu
sebentar = bentar bntr
banget = bgt bngt bgtt
orang = org orng
hp = handphone ponsel hape henpon smartphone
aplikasi = app apk apps aplikasinya
email = imel emel e-mail
nomor = no nmr nomer nmor
alamat = almt alamatnya
dekat = deket dkt deketan terdekat
jauh = jauhh
lansia = manula jompo sepuh
sakit = skt
difabel = disabilitas cacat
tanya = tny nanya nanyain tnya naros takon
bicara = ngomong ngobrol omong
maaf = mf punten
permisi = misi
selamat = slamat met sugeng wilujeng
pagi = pgi
malam = malem mlm
siang = siank
sore = sre
kok = koq
mana = mn
kasih = ksh kasi
bapak = bpk
ibu = ibunya
nenek = nenekku
kakek = kakekku
menikah = nikah merried married
"""

# Words that carry no meaning for the intent (address terms, particles, laughter).
FILLERS = word_set(
    """ya yah yaa iya iyaa yoi dong donk deh dech sih si nih tuh atuh mah teh euy ae lur cuy coy
    gan bro sis bang kak kakak ka min mimin om tante mas mba mbak mbk bu pak bos boss bund bunda
    nya ny lho loh kan toh hehe hehehe wkwk wkwkwk wk haha hahaha hihi xixi please pls plis plz
    nggih enggih muhun iyo akang kang neng teteh aa mang bi sob sist kaka nah gitu gini kira
    kirakira kayaknya"""
)

_LAUGHTER = re.compile(
    r"(?:wk)+w?|(?:kw)+k?|(?:ha)+h?|(?:he)+h?|(?:hi)+h?|(?:xi)+x?|(?:ak)+|lol|lmao"
)


def is_laughter(token: str) -> bool:
    """Laughter ("wkwkwk", "hahaha", "hehe"): neither a greeting nor a question."""
    return len(token) >= 3 and _LAUGHTER.fullmatch(token) is not None


# Function words: never evidence that a message is off-topic, even when the examples lack them.
STOPWORDS = word_set(
    """the a an is are am was were be been it its this that these those there here to of for in on
    at by with from my me i you your we our us he she they them his her do does did can could
    would should will shall may might must have has had not no yes so and or but if then than
    what which who whom whose when where why how any some all please just also very too about as
    into up out yang dan atau di ke dari pada untuk dengan oleh agar supaya bagi terhadap
    tentang karena kalau jika apabila walaupun meskipun namun tetapi tapi serta juga pun lah kah
    tah nya ini itu tersebut saya kamu dia kami kita mereka anda beliau ada adalah ialah
    merupakan akan sedang telah sudah belum masih bisa dapat boleh harus perlu mau ingin apa
    siapa mana kapan berapa bagaimana kenapa mengapa apakah tidak bukan jangan sangat sekali
    lebih kurang paling hanya saja cuma sih dong kok deh ya nih tuh aja banget lagi terus jadi
    udah gimana mohon tolong"""
)

# Tokens that only greet or thank; stripped when the rest of a message carries a question.
GREETINGS = word_set(
    """halo assalamualaikum waalaikumsalam wr wb warahmatullahi wabarakatuh warahmatullah
    wabarokatuh selamat permisi maaf tanya terimakasih oke salam good morning afternoon evening
    hello numpang izin ijin sampurasun rahayu punten"""
)

# Multi-token phrases merged after slang mapping.
_PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("terima", "kasih"): ("terimakasih",),
    ("trima", "kasih"): ("terimakasih",),
    ("hatur", "nuhun"): ("terimakasih",),
    ("matur", "nuwun"): ("terimakasih",),
    ("thank", "you"): ("terimakasih",),
    ("di", "mana"): ("dimana",),
    ("ke", "mana"): ("kemana",),
    ("dari", "mana"): ("darimana",),
    ("kartu", "keluarga"): ("kk",),
    ("kartu", "ektp"): ("ektp",),
    ("ektp", "card"): ("ektp",),
    ("akhir", "pekan"): ("weekend",),
    ("akhir", "minggu"): ("weekend",),
    ("tanggal", "merah"): ("libur",),
    ("orang", "tua"): ("orangtua",),
    # Javanese and Sundanese greetings: "enjing" alone is "besok", after "sugeng" it is morning
    ("selamat", "besok"): ("selamat", "pagi"),
    ("selamat", "sonten"): ("selamat", "sore"),
    ("selamat", "dalu"): ("selamat", "malam"),
    ("jemput", "bola"): ("jemputbola",),
    ("apa", "kah"): ("apakah",),
    ("tidak", "ada"): ("tidak", "ada"),
    ("assalamualaikum", "wr", "wb"): ("assalamualaikum",),
    ("pungutan", "liar"): ("pungli",),
    ("bantuan", "sosial"): ("bansos",),
    ("kartu", "identitas", "anak"): ("kia",),
    ("identitas", "kependudukan", "digital"): ("ikd",),
    ("identitas", "digital"): ("ikd",),
    ("digital", "id"): ("ikd",),
    ("id", "digital"): ("ikd",),
    ("ektp", "digital"): ("ikd",),
    ("digital", "ektp"): ("ikd",),
    ("surat", "keterangan", "hilang"): ("surat", "hilang"),
}

_ACCENTS = re.compile(r"[\u0300-\u036f]")
_APOSTROPHE = re.compile(r"(?<=[a-z])['’`´‘](?=[a-z])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
# Every way people write e-KTP: e-ktp, e ktp, ektp, ktp-el, ktp el, ktpel, ktp elektronik, e-id.
_EKTP_E = re.compile(r"(?<![a-z])e[\s\-_./]*ktp")
_EKTP_ANY = re.compile(r"ektp|ktp")
_EKTP_EL = re.compile(r"ektp[\s\-_./]*(?:el|elektronik|elektronic|electronic)\b")
_EKTP_WORDS = re.compile(
    r"\b(?:kartu tanda penduduk(?: elektronik)?|kartu penduduk|e[\s\-]?id|eid card|id card|"
    r"identity card|national id|electronic id(?: card)?|ktpe)\b"
)
_IKD = re.compile(r"\b(?:ikd|i\s?k\s?d)\b")
_REDUP = re.compile(r"\b([a-z]{3,})-?2\b")
_NO_REDUP = re.compile(r"^(?:sma|smk|man|slb|skh|smp|mts|kelapa|kls|kelas|sman|smkn|sd|mi|tgl)")
_DASH_REDUP = re.compile(r"\b([a-z]{2,})-\1\b")
_TOKEN = re.compile(r"\d{1,4}(?:[/\-.:]\d{1,4}){1,2}|[a-z]+|\d+")
_STRETCH3 = re.compile(r"(.)\1{2,}")
_STRETCH2 = re.compile(r"(.)\1+")


def _build_slang() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in _SLANG_TABLE.strip().splitlines():
        canonical, _, variants = line.partition("=")
        target = tuple(canonical.split())
        for variant in variants.split():
            table.setdefault(variant, target)
    return table


SLANG: dict[str, tuple[str, ...]] = _build_slang()
SLANG_TARGETS: frozenset[str] = frozenset(w for t in SLANG.values() for w in t)
_MAX_PHRASE = max(len(k) for k in _PHRASES)


def clean(text: object) -> str:
    """Lowercase, strip accents, control characters and glue e-KTP spellings into ``ektp``."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[:MAX_CHARS]
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = _ACCENTS.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _APOSTROPHE.sub("", text)
    text = _EKTP_WORDS.sub(" ektp ", text)
    text = _EKTP_E.sub(" ektp ", text)
    text = _EKTP_ANY.sub(" ektp ", text)
    text = _EKTP_EL.sub("ektp ", text)
    text = _IKD.sub(" ikd ", text)
    text = _DASH_REDUP.sub(r"\1", text)
    text = _REDUP.sub(_redup, text)
    return text


def _redup(match: re.Match[str]) -> str:
    word = match.group(1)
    return match.group(0) if _NO_REDUP.match(word) else word


@lru_cache(maxsize=16384)
def squeeze(token: str, known: frozenset[str] = frozenset()) -> str:
    """Undo stretched letters: "bukaaa" → "buka", "halooo" → "halo", keeping "maaf" and "kk"."""
    has3 = _STRETCH3.search(token) is not None
    if not has3 and not (len(token) > 3 and token[-1] == token[-2]):
        return token

    def is_known(word: str) -> bool:
        return word in known or word in SLANG or word in SLANG_TARGETS

    if not has3 and is_known(token):
        return token
    two = _STRETCH3.sub(r"\1\1", token)
    if has3 and is_known(two):
        return two
    one = _STRETCH2.sub(r"\1", two)
    if not has3 and not is_known(one):
        return token
    return one


def map_slang(token: str) -> tuple[str, ...]:
    return SLANG.get(token, (token,))


def merge_phrases(tokens: Sequence[str]) -> list[str]:
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        for size in range(min(_MAX_PHRASE, n - i), 1, -1):
            repl = _PHRASES.get(tuple(tokens[i : i + size]))
            if repl is not None:
                out.extend(repl)
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    # "anak anak", "sabtu sabtu": collapse immediate repeats
    return [t for j, t in enumerate(out) if j == 0 or t != out[j - 1] or t.isdigit()]


def raw_tokens(text: object) -> list[str]:
    """Cleaned tokens before any slang mapping (digits and date-like tokens such as 5/12 kept)."""
    return _TOKEN.findall(clean(text))


def light_tokens(text: object, known: frozenset[str] = frozenset()) -> list[str]:
    """Tokens after cleaning, slang mapping and phrase merging (no vocabulary needed)."""
    out: list[str] = []
    for tok in raw_tokens(text):
        if tok[0].isdigit():
            out.append(tok)
            continue
        out.extend(map_slang(squeeze(tok, known)))
    return merge_phrases(out)


# --- vocabulary-aware layer ------------------------------------------------------------------

# Never reduce these to a shorter "stem": they are words of their own.
_NO_STEM = word_set(
    """dimana kemana darimana disini disana kesini kesana kemarin kenapa sekarang sebelum setelah
    selama semua sendiri berapa bagaimana terima terimakasih tempat perlu pekan belum sudah
    selesai berarti kalian tahun bulan depan bukan kapan masih minta pergi teman jalan makan
    dengan akan ikan taman kemari petang siang selasa senin sabtu minggu kamis jumat rabu
    menikah pernah sering setiap semalam kepada penduduk sekolah berapa beberapa bersama pesan
    diri permohonan"""
)
_SUFFIXES = ("nya", "lah", "kah", "pun", "ny", "ku", "mu", "e")
_DERIV = ("kan", "an", "in", "i")


def _prefix_variants(word: str) -> Iterable[str]:
    """Candidate roots after removing one Indonesian prefix (with the usual sound changes)."""
    vowels = "aeiou"
    for pre in ("meng", "peng"):
        if word.startswith(pre) and len(word) > len(pre) + 2:
            rest = word[len(pre) :]
            yield rest
            if rest[0] in vowels:
                yield "k" + rest
    for pre in ("meny", "peny"):
        if word.startswith(pre) and len(word) > len(pre) + 2:
            rest = word[len(pre) :]
            yield "s" + rest
            yield "c" + rest
    for pre in ("mem", "pem"):
        if word.startswith(pre) and len(word) > len(pre) + 2:
            rest = word[len(pre) :]
            yield rest
            if rest[0] in vowels:
                yield "p" + rest
    for pre in ("men", "pen"):
        if word.startswith(pre) and len(word) > len(pre) + 2:
            rest = word[len(pre) :]
            yield rest
            if rest[0] in vowels:
                yield "t" + rest
    for pre in ("per", "ber", "ter", "nge", "di", "ke", "se", "me", "pe", "be", "te"):
        if word.startswith(pre) and len(word) > len(pre) + 2:
            yield word[len(pre) :]
    if word.startswith("ny") and len(word) > 4:
        yield "s" + word[2:]
        yield "c" + word[2:]
    if word.startswith("ng") and len(word) > 4:
        yield word[2:]
        yield "k" + word[2:]
    if word.startswith("m") and len(word) > 4 and word[1] in vowels:
        yield "p" + word[1:]
    if word.startswith("n") and len(word) > 4 and word[1] in vowels:
        yield "t" + word[1:]


def stem_candidates(word: str) -> Iterable[str]:
    """Possible roots of ``word``, most conservative first."""
    bases = [word]
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            bases.append(word[: -len(suf)])
    more = []
    for base in bases:
        for suf in _DERIV:
            if base.endswith(suf) and len(base) - len(suf) >= 3:
                more.append(base[: -len(suf)])
    bases.extend(more)
    for base in bases[1:]:
        yield base
    for base in bases:
        yield from _prefix_variants(base)


def osa_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment edit distance (adjacent swaps count 1); ``limit + 1`` if above."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        ai = a[i - 1]
        row_min = cur[0]
        for j in range(1, lb + 1):
            cost = 0 if ai == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            row_min = min(row_min, v)
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        nxt = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


def max_typo_distance(length: int) -> int:
    if length < 4:
        return 0
    if length < 8:
        return 1
    return 2


class FuzzyIndex:
    """Symmetric-delete index: finds known words within a small edit distance quickly."""

    def __init__(
        self,
        words: Iterable[str],
        freq: dict[str, int] | None = None,
        distance_for: Callable[[int], int] = max_typo_distance,
    ) -> None:
        self.freq = freq or {}
        self.words = frozenset(words)
        self.distance_for = distance_for
        self._index: dict[str, list[str]] = {}
        for word in sorted(self.words):
            depth = distance_for(len(word))
            if depth == 0:
                continue
            for d in _deletes(word, depth):
                self._index.setdefault(d, []).append(word)

    def lookup(self, token: str, max_distance: int | None = None) -> list[tuple[str, int]]:
        """Known words within the allowed distance of ``token``, closest and most frequent
        first."""
        depth = self.distance_for(len(token)) if max_distance is None else max_distance
        if depth == 0:
            return [(token, 0)] if token in self.words else []
        seen: set[str] = set()
        found: list[tuple[str, int]] = []
        for d in _deletes(token, depth):
            for word in self._index.get(d, ()):
                if word in seen:
                    continue
                seen.add(word)
                limit = min(depth, self.distance_for(len(word)))
                dist = osa_distance(token, word, limit)
                if dist <= limit:
                    found.append((word, dist))
        found.sort(key=lambda wd: (wd[1], -self.freq.get(wd[0], 0), wd[0]))
        return found


# Two-letter words that people glue to the next or previous word.
_SHORT_PARTS = word_set("di ke ya yg sy ga gk lg jg aj dr tp kk ni bs")
_VOWELS = frozenset("aeiou")


def plausible_typo(typed: str, word: str) -> bool:
    """Whether ``typed`` may be a misspelling of ``word`` (already within the edit distance).

    Below eight letters a word is often a real word of its own ("adil" is not "adik", "protes"
    is not "proses", "santri" is not "antri"), so only the changes informal writing makes are
    accepted: another vowel ("pesen", "tetep", "adek"), a vowel or an "h" left out ("tmpat",
    "liat", "abis"), a doubled letter ("rekamm") and two letters swapped.
    """
    if len(typed) >= 8:
        return True
    if len(typed) > len(word):  # one letter too many: only a doubled one
        extra = next((i for i, (a, b) in enumerate(zip(typed, word, strict=False)) if a != b), -1)
        return (extra > 0 and typed[extra] == typed[extra - 1]) or typed[-1] == typed[-2]
    if len(typed) < len(word):  # one letter missing: a vowel or an "h"
        missing = next((b for a, b in zip(typed, word, strict=False) if a != b), word[-1])
        return missing in _VOWELS or missing == "h"
    diff = [(a, b) for a, b in zip(typed, word, strict=True) if a != b]
    if len(diff) != 1:
        return True  # two letters swapped
    a, b = diff[0]
    return a in _VOWELS and b in _VOWELS


def _normalizer_typo_distance(length: int) -> int:
    """Edits allowed when correcting a word: none below four letters, two from nine."""
    if length < 4:
        return 0
    return 1 if length < 9 else 2


class Normalizer:
    """Vocabulary-aware normalisation: split glued words, fix typos, drop fillers, stem."""

    def __init__(self, vocabulary: dict[str, int], protected: Iterable[str] = ()) -> None:
        # vocabulary: word -> frequency in the training examples (after light normalisation)
        self.freq = dict(vocabulary)
        self.protected = frozenset(protected)
        phrase_words = {w for key in _PHRASES for w in key}
        self.known = (
            frozenset(self.freq)
            | SLANG_TARGETS
            | FILLERS
            | STOPWORDS
            | self.protected
            | phrase_words
        )
        self._splittable = self.known | frozenset(SLANG)
        # typos are corrected towards words of the examples and the slang table's spellings
        targets = [w for w in self.freq if w.isalpha() and len(w) >= 4]
        targets += [w for w in SLANG if w.isalpha() and len(w) >= 5]
        self.fuzzy = FuzzyIndex(targets, self.freq, _normalizer_typo_distance)
        self._cache: dict[str, tuple[str, ...]] = {}
        self._stem_cache: dict[str, str] = {}
        # Roots that the examples only use inside longer words ("bentak" in "membentak", "wakil"
        # in "diwakilkan"): an unknown word sharing such a root is read as that example word.
        self._bridge: dict[str, str] = {}
        clashes: set[str] = set()
        for word in sorted(self.freq):
            if len(word) < 6 or not word.isalpha() or word in _NO_STEM:
                continue
            target = self.stem(word)
            for root in stem_candidates(word):
                if len(root) < 5 or root in self._splittable or root in clashes:
                    continue
                if self._bridge.setdefault(root, target) != target:
                    clashes.add(root)
        for root in clashes:
            self._bridge.pop(root, None)

    # -- word level --
    def fix(self, token: str) -> tuple[str, ...]:
        """One light token → canonical tokens (split, corrected or unchanged)."""
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        result = self._fix(token)
        if len(self._cache) < 50_000:
            self._cache[token] = result
        return result

    def _fix(self, token: str) -> tuple[str, ...]:
        if token in self.known or not token.isalpha() or len(token) <= 2:
            return (token,)
        if self.stem(token) != token:
            return (token,)
        split = self._split(token)
        if split:
            return split
        if token not in self.protected:
            for word, _ in self.fuzzy.lookup(token):
                if plausible_typo(token, word):
                    return map_slang(word)
        return (token,)

    def _split(self, token: str) -> tuple[str, ...] | None:
        """Split a glued word into two or three known words ("rekamdimana" → "rekam dimana")."""
        best: tuple[int, tuple[str, ...]] | None = None
        n = len(token)
        for i in range(2, n - 1):
            left, right = token[:i], token[i:]
            if not self._part(left):
                continue
            if self._part(right):
                parts: tuple[str, ...] = (left, right)
            else:
                sub = self._split2(right)
                if sub is None:
                    continue
                parts = (left, *sub)
            score = sum(len(p) ** 2 for p in parts) - 10 * len(parts)
            if best is None or score > best[0]:
                best = (score, parts)
        if best is None:
            return None
        out: list[str] = []
        for part in best[1]:
            out.extend(map_slang(part))
        return tuple(out)

    def _split2(self, token: str) -> tuple[str, str] | None:
        n = len(token)
        for i in range(n - 2, 1, -1):
            left, right = token[:i], token[i:]
            if self._part(left) and self._part(right):
                return (left, right)
        return None

    def _part(self, piece: str) -> bool:
        """Whether a piece of a glued word may stand alone: a known word of three letters or
        more, or one of the short words people really glue ("dirumah", "dimanaya")."""
        if len(piece) < 3:
            return piece in _SHORT_PARTS
        return piece in self._splittable

    def stem(self, token: str) -> str:
        hit = self._stem_cache.get(token)
        if hit is not None:
            return hit
        result = token
        if len(token) >= 6 and token.isalpha() and token not in _NO_STEM:
            roots = [
                c
                for c in stem_candidates(token)
                if len(c) >= 4 and c in self.freq and c not in FILLERS
            ]
            if roots:
                result = min(roots, key=len) if SHORTEST_ROOT else roots[0]
        if result == token and len(token) >= 5 and token.isalpha() and token not in self.known:
            for root in (token, *stem_candidates(token)):
                bridged = self._bridge.get(root)
                if bridged is not None:
                    result = bridged
                    break
        if len(self._stem_cache) < 50_000:
            self._stem_cache[token] = result
        return result

    # -- message level --
    def tokens(self, light: Sequence[str]) -> list[str]:
        """Canonical tokens for a message, fillers removed."""
        out: list[str] = []
        for tok in light:
            for fixed in self.fix(tok):
                out.extend(map_slang(fixed))
        out = [t for i, t in enumerate(out) if t != "kk" or not _kk_is_address(out, i)]
        return merge_phrases([t for t in out if t not in FILLERS])


_ADDRESS_BEFORE = word_set(
    """halo hai terimakasih oke permisi maaf selamat pagi siang sore malam assalamualaikum tanya
    apa bagaimana dimana kapan berapa kenapa ya dong sih nih deh tolong mohon punten makasih
    waalaikumsalam salam"""
)
_ADDRESS_AFTER = word_set(
    """mau tanya boleh tolong mohon permisi maaf apa bagaimana dimana kapan berapa kenapa kalau ini
    itu numpang izin ijin gimana"""
)


def _kk_is_address(tokens: Sequence[str], i: int) -> bool:
    """Whether "kk" is "kakak" (sister/brother, a polite address) rather than Kartu Keluarga."""
    prev = tokens[i - 1] if i > 0 else ""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    nxt2 = tokens[i + 2] if i + 2 < len(tokens) else ""
    opening = nxt in _ADDRESS_AFTER or (nxt == "saya" and nxt2 in ("mau", "tanya", "ingin"))
    return prev in _ADDRESS_BEFORE or (i == 0 and opening)
