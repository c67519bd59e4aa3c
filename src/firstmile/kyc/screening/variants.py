"""Name parts that are the same name spelled differently: a small table, not a dictionary
of nicknames. Each group lists spellings (ASCII, lower case) of one name as the lists and
customers write it after transliteration from Arabic, Cyrillic or another script; the first
spelling is the group's canonical form. Spellings the table lacks still match through edit
distance and phonetic keys (see `similarity`); the table exists for the spellings that are
too far apart for that (Mehmet and Muhammad, Yevgeny and Evgenii).
"""

from __future__ import annotations

GROUPS: tuple[tuple[str, ...], ...] = (
    # Arabic, Persian, Turkish
    ("muhammad", "mohammed", "mohammad", "mohamed", "mohamad", "muhammed", "muhamad",
     "muhamed", "mohammod", "mohamud", "mehmet", "mehmed", "mukhammad", "mukhammed",
     "mokhammed", "magomed", "mahomed", "mohd"),
    ("ahmad", "ahmed", "ahmet", "akhmad", "akhmed", "achmed"),
    ("mahmud", "mahmoud", "mahmood", "makhmud", "mahmut"),
    ("hussein", "husain", "hussain", "husayn", "hossein", "hussien", "husein", "huseyn",
     "hüseyin", "huseyin", "hosein", "gusein"),
    ("hasan", "hassan", "hassen", "khasan", "hasson"),
    # ʿabd compounds are split in two by `names.split_compound` (Abdelaziz: abd aziz)
    ("abd", "abdul", "abdel", "abdal", "abdol", "abdu", "abdoul", "abdi", "abdur", "abdel"),
    ("allah", "ullah", "ulla", "alla", "allahi"),
    ("usama", "osama", "usamah", "oussama", "ousama", "osamah"),
    ("umar", "omar", "omer", "oumar", "umer"),
    ("yusuf", "youssef", "yousef", "yusef", "youssouf", "yousif", "yousuf", "yussuf", "jusuf"),
    ("ibrahim", "ebrahim", "ibragim", "ibrahima", "brahim"),
    ("khalid", "khaled", "halid", "khalied"),
    ("mustafa", "mostafa", "moustafa", "mustapha", "mostapha", "moustapha"),
    ("sulayman", "suleiman", "sulaiman", "soleiman", "suleyman", "sleiman", "souleymane"),
    ("ismail", "ismael", "esmail", "ismaeel", "smail"),
    ("yahya", "yahia", "yehia", "yahiya"),
    ("abu", "abou", "abo"),
    ("jamal", "gamal", "djamal", "jamaal"),
    ("jafar", "jaafar", "djafar", "dzhafar"),
    ("uthman", "othman", "usman", "osman", "othmane", "ousmane"),
    ("saeed", "said", "saied", "sayeed", "saiid"),
    ("zayd", "zaid", "zeid", "zayed"),
    ("qasim", "kasim", "qassem", "kassem", "qassim", "gasim"),
    ("ayman", "aiman", "aymen"),
    ("nasrallah", "nasrullah", "nasrallakh"),
    # Russian, Ukrainian, Belarusian
    ("aleksandr", "alexander", "alexandr", "aleksander", "oleksandr", "alexandre",
     "aliaksandr", "alyaksandr"),
    ("aleksei", "alexei", "alexey", "aleksey", "oleksiy", "oleksii", "alexej"),
    ("sergei", "sergey", "serguei", "sergiy", "serhiy", "serhii", "sergej", "siarhei"),
    ("yevgeny", "evgeny", "evgeniy", "evgenii", "yevgeniy", "yevgenii", "jewgeni",
     "yevhen", "evgenij"),
    ("dmitry", "dmitri", "dmitriy", "dmitrii", "dimitri", "dmytro", "dmitrij"),
    ("yuri", "yury", "yuriy", "iurii", "jurij", "yurii", "juri", "yurij"),
    ("mikhail", "michail", "mikhael", "mykhailo", "mikhailo"),
    ("nikolai", "nikolay", "mykola", "nikolaj", "mikalai"),
    ("vladimir", "wladimir", "volodymyr", "uladzimir"),
    ("andrei", "andrey", "andrii", "andriy", "andrej"),
    ("pyotr", "petr", "petro", "piotr"),
    ("viktor", "victor"),
    ("konstantin", "constantin", "kostiantyn", "kostyantyn"),
    ("grigory", "grigori", "grigoriy", "grigorii", "hryhoriy"),
    ("gennady", "gennadiy", "gennadi", "gennadii", "hennadiy"),
    ("vasily", "vasiliy", "vasili", "vassili", "vasyl", "wassili"),
    ("fyodor", "fedor", "fiodor", "fjodor", "feodor"),
    ("ilya", "ilia", "ilja", "illia"),
    ("yakov", "iakov", "jakow"),
    ("anatoly", "anatoliy", "anatoli", "anatolii"),
    ("arkady", "arkadiy", "arkadi", "arkadii"),
    ("valery", "valeriy", "valeri", "valerii"),
    ("maksim", "maxim", "maksym"),
    ("yelena", "elena", "olena", "jelena"),
    ("yekaterina", "ekaterina", "kateryna", "katerina"),
    ("natalya", "natalia", "nataliya", "natalja"),
    ("tatyana", "tatiana", "tetiana", "tatjana"),
    ("olga", "olha", "volha"),
    ("igor", "ihor"),
    ("oleg", "oleh"),
    # Chinese and Korean surnames written several ways
    ("zhang", "chang", "cheung"),
    ("kim", "gim"),
    ("lee", "li", "rhee"),
    ("park", "pak", "bak"),
    ("choe", "choi", "choy"),
    ("jong", "jung", "chong", "chung"),
)  # fmt: skip


def _canonical_forms() -> dict[str, str]:
    forms: dict[str, str] = {}
    for group in GROUPS:
        for spelling in group:
            forms.setdefault(spelling, group[0])
    return forms


CANONICAL = _canonical_forms()


def canonical(part: str) -> str:
    """The group's canonical spelling of `part` (ASCII, lower case), or `part` itself."""
    return CANONICAL.get(part, part)
