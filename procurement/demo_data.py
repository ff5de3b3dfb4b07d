# Demo world data for Kravspor's load_demo command.
#
# Plain constants only; read by the deterministic demo loader.
#
# Organisation numbers: a number is filled in only where it was found in a public
# source through the search tool and passes the mod-11 check. Everything else is "".
# Source tags used in the comments below:
#   [A] GitHub Informasjonsforvaltning/altinn-model-publisher,
#       src/altinn_model_publisher/organizations/shortname_orgs.py (Altinn's list
#       of public bodies with org.nr., snapshot from about 2018-2019). Used only for
#       municipalities that have not been merged or re-established since then.
#   [B] SSB code, Java class no.ssb.helseforetak.utils.OrgNummer (list of RHF/HF
#       with org.nr. for SSB's specialist health statistics).
#   [C] Public code mapping HF org.nr. to owning RHF (SSB KLASS 629 based tables
#       RHF_TO_REGION / PRIVATE_RHF), naming e.g. Hemit HF and Sykehusapotekene.
#   [D] Test data from SSB KLASS 629: "Helse Midt-Norge RHF" -> "St. Olavs
#       Hospital HF".
#   [E] Altinn service-owner org list (altinncdn "orgs"), entry "nhn".
#   [F] X.509 test data "O=NORSK HELSENETT SF, ... serialNumber=994598759".

REGIONAL_BODIES = [
    {
        "name": "Helse Midt-Norge RHF",
        "kind": "regional_health_authority",
        "level": "specialist",
        "county": "trondelag",
        "parent": None,
        "org_number": "983658776",  # [B], [C], [D]
    },
    {
        "name": "St. Olavs hospital HF",
        "kind": "health_trust",
        "level": "specialist",
        "county": "trondelag",
        "parent": "Helse Midt-Norge RHF",
        "org_number": "883974832",  # [B], [D]
    },
    {
        "name": "Helse Nord-Trøndelag HF",
        "kind": "health_trust",
        "level": "specialist",
        "county": "trondelag",
        "parent": "Helse Midt-Norge RHF",
        "org_number": "983974791",  # [B]
    },
    {
        "name": "Helse Møre og Romsdal HF",
        "kind": "health_trust",
        "level": "specialist",
        "county": "more_og_romsdal",
        "parent": "Helse Midt-Norge RHF",
        "org_number": "997005562",  # [B]
    },
    {
        "name": "Sykehusapotekene i Midt-Norge HF",
        "kind": "health_trust",
        "level": "specialist",
        "county": "trondelag",
        "parent": "Helse Midt-Norge RHF",
        "org_number": "983974805",  # [C]
    },
    # Hemit HF: Helse Midt-Norge's ICT trust, founded 2021 and operating from
    # 1 January 2022 (hemit.no "Hemit HF formelt stiftet"; helse-midt.no 2021
    # "Hemit etableres som eget helseforetak").
    {
        "name": "Hemit HF",
        "kind": "health_trust",
        "level": "specialist",
        "county": "trondelag",
        "parent": "Helse Midt-Norge RHF",
        "org_number": "928033821",  # [C]
    },
    # Direktoratet for e-helse was merged into Helsedirektoratet in 2024; it is kept
    # because it was the national e-health body during the procurement.
    {
        "name": "Direktoratet for e-helse",
        "kind": "other",
        "level": "national",
        "county": "",
        "parent": None,
        "org_number": "915933149",  # [A]; thomiz/fsh-no-basis FHIR example
    },
    {
        "name": "Helsedirektoratet",
        "kind": "other",
        "level": "national",
        "county": "",
        "parent": None,
        "org_number": "983544622",  # [A]
    },
    {
        "name": "Norsk helsenett SF",
        "kind": "other",
        "level": "national",
        "county": "",
        "parent": None,
        "org_number": "994598759",  # [E], [F]
    },
]

# The 2024 structure: 38 municipalities in Trøndelag, 27 in Møre og Romsdal
# (Haram re-established from Ålesund on 1 January 2024). Numbers are left empty
# for municipalities formed or merged in 2020 or later, since [A] predates them.
MUNICIPALITIES = [
    {
        "name": "Trondheim kommune",
        "county": "trondelag",
        "org_number": "942110464",  # [A]; absorbed Klæbu in 2020
    },
    {
        "name": "Steinkjer kommune",
        "county": "trondelag",
        "org_number": "",
    },
    {
        "name": "Namsos kommune",
        "county": "trondelag",
        "org_number": "",
    },
    {
        "name": "Frøya kommune",
        "county": "trondelag",
        "org_number": "964982597",  # [A]
    },
    {
        "name": "Osen kommune",
        "county": "trondelag",
        "org_number": "944350675",  # [A]
    },
    {
        "name": "Oppdal kommune",
        "county": "trondelag",
        "org_number": "964983003",  # [A]
    },
    {
        "name": "Rennebu kommune",
        "county": "trondelag",
        "org_number": "940083672",  # [A]
    },
    {
        "name": "Røros kommune",
        "county": "trondelag",
        "org_number": "939898743",  # [A]
    },
    {
        "name": "Holtålen kommune",
        "county": "trondelag",
        "org_number": "937697767",  # [A]
    },
    {
        "name": "Midtre Gauldal kommune",
        "county": "trondelag",
        "org_number": "970187715",  # [A]
    },
    {
        "name": "Melhus kommune",
        "county": "trondelag",
        "org_number": "938726027",  # [A]
    },
    {
        "name": "Skaun kommune",
        "county": "trondelag",
        "org_number": "939865942",  # [A]
    },
    {
        "name": "Malvik kommune",
        "county": "trondelag",
        "org_number": "971035560",  # [A]
    },
    {
        "name": "Selbu kommune",
        "county": "trondelag",
        "org_number": "971197609",  # [A]
    },
    {
        "name": "Tydal kommune",
        "county": "trondelag",
        "org_number": "864983472",  # [A]
    },
    {
        "name": "Meråker kommune",
        "county": "trondelag",
        "org_number": "835231712",  # [A]
    },
    {
        "name": "Stjørdal kommune",
        "county": "trondelag",
        "org_number": "939958851",  # [A]
    },
    {
        "name": "Frosta kommune",
        "county": "trondelag",
        "org_number": "944482253",  # [A]
    },
    {
        "name": "Levanger kommune",
        "county": "trondelag",
        "org_number": "938587051",  # [A]
    },
    {
        "name": "Verdal kommune",
        "county": "trondelag",
        "org_number": "938587418",  # [A]
    },
    {
        "name": "Snåsa kommune",
        "county": "trondelag",
        "org_number": "964982031",  # [A]
    },
    {
        "name": "Lierne kommune",
        "county": "trondelag",
        "org_number": "972417963",  # [A]
    },
    {
        "name": "Røyrvik kommune",
        "county": "trondelag",
        "org_number": "964982120",  # [A]
    },
    {
        "name": "Namsskogan kommune",
        "county": "trondelag",
        "org_number": "864982212",  # [A]
    },
    {
        "name": "Grong kommune",
        "county": "trondelag",
        "org_number": "940010853",  # [A]
    },
    {
        "name": "Høylandet kommune",
        "county": "trondelag",
        "org_number": "959220476",  # [A]
    },
    {
        "name": "Overhalla kommune",
        "county": "trondelag",
        "org_number": "939896600",  # [A]
    },
    {
        "name": "Flatanger kommune",
        "county": "trondelag",
        "org_number": "845153272",  # [A]
    },
    {
        "name": "Leka kommune",
        "county": "trondelag",
        "org_number": "944484574",  # [A]
    },
    {
        "name": "Inderøy kommune",
        "county": "trondelag",
        "org_number": "997391853",  # [A]
    },
    {
        "name": "Indre Fosen kommune",
        "county": "trondelag",
        "org_number": "944305483",  # [A]
    },
    {
        "name": "Heim kommune",
        "county": "trondelag",
        "org_number": "",
    },
    {
        "name": "Hitra kommune",
        "county": "trondelag",
        "org_number": "938772924",  # [A]; took part of Snillfjord 2020
    },
    {
        "name": "Ørland kommune",
        "county": "trondelag",
        "org_number": "",
    },
    {
        "name": "Åfjord kommune",
        "county": "trondelag",
        "org_number": "",
    },
    {
        "name": "Orkland kommune",
        "county": "trondelag",
        "org_number": "",
    },
    {
        "name": "Nærøysund kommune",
        "county": "trondelag",
        "org_number": "",
    },
    {
        "name": "Rindal kommune",
        "county": "trondelag",
        "org_number": "940138051",  # [A]; moved from Møre og Romsdal 2019
    },
    {
        "name": "Kristiansund kommune",
        "county": "more_og_romsdal",
        "org_number": "991891919",  # [A]
    },
    {
        "name": "Molde kommune",
        "county": "more_og_romsdal",
        "org_number": "",
    },
    {
        "name": "Ålesund kommune",
        "county": "more_og_romsdal",
        "org_number": "",
    },
    {
        "name": "Vanylven kommune",
        "county": "more_og_romsdal",
        "org_number": "964978662",  # [A]
    },
    {
        "name": "Sande kommune",
        "county": "more_og_romsdal",
        "org_number": "822534422",  # [A]
    },
    {
        "name": "Herøy kommune",
        "county": "more_og_romsdal",
        "org_number": "964978840",  # [A]
    },
    {
        "name": "Ulstein kommune",
        "county": "more_og_romsdal",
        "org_number": "964979456",  # [A]
    },
    {
        "name": "Hareid kommune",
        "county": "more_og_romsdal",
        "org_number": "964979278",  # [A]
    },
    {
        "name": "Volda kommune",
        "county": "more_og_romsdal",
        "org_number": "",
    },
    {
        "name": "Ørsta kommune",
        "county": "more_og_romsdal",
        "org_number": "939461450",  # [A]
    },
    {
        "name": "Stranda kommune",
        "county": "more_og_romsdal",
        "org_number": "",  # left empty: 2020 boundary change not verified
    },
    {
        "name": "Sykkylven kommune",
        "county": "more_og_romsdal",
        "org_number": "964980365",  # [A]
    },
    {
        "name": "Sula kommune",
        "county": "more_og_romsdal",
        "org_number": "964980543",  # [A]
    },
    {
        "name": "Giske kommune",
        "county": "more_og_romsdal",
        "org_number": "964980721",  # [A]
    },
    {
        "name": "Haram kommune",
        "county": "more_og_romsdal",
        "org_number": "",
    },
    {
        "name": "Fjord kommune",
        "county": "more_og_romsdal",
        "org_number": "",
    },
    {
        "name": "Vestnes kommune",
        "county": "more_og_romsdal",
        "org_number": "939901965",  # [A]
    },
    {
        "name": "Rauma kommune",
        "county": "more_og_romsdal",
        "org_number": "864980902",  # [A]
    },
    {
        "name": "Aukra kommune",
        "county": "more_og_romsdal",
        "org_number": "964981337",  # [A]
    },
    {
        "name": "Hustadvika kommune",
        "county": "more_og_romsdal",
        "org_number": "",
    },
    {
        "name": "Averøy kommune",
        "county": "more_og_romsdal",
        "org_number": "962378064",  # [A]
    },
    {
        "name": "Gjemnes kommune",
        "county": "more_og_romsdal",
        "org_number": "964981426",  # [A]
    },
    {
        "name": "Tingvoll kommune",
        "county": "more_og_romsdal",
        "org_number": "964981515",  # [A]
    },
    {
        "name": "Sunndal kommune",
        "county": "more_og_romsdal",
        "org_number": "964981604",  # [A]
    },
    {
        "name": "Surnadal kommune",
        "county": "more_og_romsdal",
        "org_number": "964981892",  # [A]
    },
    {
        "name": "Smøla kommune",
        "county": "more_og_romsdal",
        "org_number": "945012986",  # [A]
    },
    {
        "name": "Aure kommune",
        "county": "more_og_romsdal",
        "org_number": "988913898",  # [A]
    },
]

USER_ORGANISATIONS = [
    {
        "name": "Kreftforeningen",
        "kind": "user_organisation",
        "level": "national",
        "county": "",
        "parent": None,
        "org_number": "",
    },
    {
        "name": "Landsforeningen for hjerte- og lungesyke (LHL)",
        "kind": "user_organisation",
        "level": "national",
        "county": "",
        "parent": None,
        "org_number": "",
    },
    {
        "name": "Mental Helse",
        "kind": "user_organisation",
        "level": "national",
        "county": "",
        "parent": None,
        "org_number": "",
    },
    {
        "name": "Funksjonshemmedes Fellesorganisasjon (FFO)",
        "kind": "user_organisation",
        "level": "national",
        "county": "",
        "parent": None,
        "org_number": "",
    },
    {
        "name": "Diabetesforbundet",
        "kind": "user_organisation",
        "level": "national",
        "county": "",
        "parent": None,
        "org_number": "",
    },
    {
        "name": "Regionalt brukerutvalg i Helse Midt-Norge",
        "kind": "user_organisation",
        "level": "specialist",
        "county": "trondelag",
        "parent": "Helse Midt-Norge RHF",
        "org_number": "",
    },
    # Fictional.
    {
        "name": "Brukerforum for digitale helsetjenester i Trøndelag",
        "kind": "user_organisation",
        "level": "municipal",
        "county": "trondelag",
        "parent": None,
        "org_number": "",
    },
]

# Fictional GP practices; any likeness to a real practice is accidental.
GP_PRACTICE_NAMES = [
    "Elvebakken legesenter",
    "Kjøpmannsgata legekontor",
    "Stavnebrua legesenter",
    "Fjordgløtt legekontor",
    "Byåsvegen legepraksis",
    "Tempebrua legesenter",
    "Ranheimsfjæra legekontor",
    "Klæbuvegen legesenter",
    "Leangenbukta legepraksis",
    "Granåsen legekontor",
    "Værnesbyen legesenter",
    "Hellstranda legekontor",
    "Innherredsvegen legepraksis",
    "Levangerkaia legesenter",
    "Verdalsøra torg legekontor",
    "Byafossen legesenter",
    "Namsenbrua legekontor",
    "Rørvikkaia legesenter",
    "Snåsavatnet legepraksis",
    "Gaulosen legesenter",
    "Lundamo stasjon legekontor",
    "Orkla elvepark legesenter",
    "Thamshavn legekontor",
    "Hitterfjorden legesenter",
    "Frøyhavet legekontor",
    "Drivdalen legekontor",
    "Rørosvidda legesenter",
    "Fosenhalvøya legekontor",
    "Ørlandsflata legepraksis",
    "Klippfiskkaia legesenter",
    "Moldefjorden legesenter",
    "Romsdalseggen legekontor",
    "Brosundet legesenter",
    "Aksla legepraksis",
    "Hjørundfjorden legekontor",
    "Eiksundbrua legesenter",
    "Driva elvekant legekontor",
    "Atlanterhavsvegen legesenter",
    "Storfjorden legepraksis",
    "Todalsfjorden legekontor",
]

# Invented names; not real companies.
VENDORS = [
    {"name": "Morenekam Journalteknikk AS", "org_number": ""},
    {"name": "Krykkjefjell Helseinformatikk AS", "org_number": ""},
    {"name": "Tindrevik Klinikkdata AS", "org_number": ""},
    {"name": "Sildrebakken Omsorgssystemer AS", "org_number": ""},
    {"name": "Havhestøy Pasientflyt AS", "org_number": ""},
]

PROGRAMME = {
    "name": "Helseplattformen",
    "description": (
        "Helseplattformen skal gi sykehus, kommuner og fastleger i Midt-Norge én "
        "felles pasientjournal, eid av Helse Midt-Norge RHF og Trondheim kommune. "
        "Kravspesifikasjonen ble skrevet av nær 400 helsefaglige og IKT-faglige "
        "medarbeidere i om lag 100 arbeidsverksteder."
    ),
}

# Timeline from hemit.no and helse-midt.no news items. Where the source gives only
# the month, the day is a placeholder (marked "day approximate").
ANNOUNCEMENTS = [
    {
        "published_on": "2016-08-29",
        "title": "Konkurransen om ny felles journalløsning er kunngjort",
        "body": (
            "Helseplattformen har kunngjort konkurransen om én journalløsning for "
            "sykehus, kommuner og fastleger i Midt-Norge. Anskaffelsen gjennomføres "
            "som konkurransepreget dialog, og fristen for å søke om prekvalifisering "
            "er 17. oktober."
        ),
    },
    {
        "published_on": "2016-11-24",
        "title": "Fem leverandører går videre etter prekvalifisering",
        "body": (
            "Programmet mottok 11 søknader innen fristen, og alle oppfylte de "
            "obligatoriske kravene. Etter evaluering av kapasitet, erfaring og "
            "finansiell styrke er fem leverandører invitert til dialogfasen."
        ),
    },
    {
        "published_on": "2017-02-01",  # day approximate
        "title": "Konkurransegrunnlaget er sendt ut",
        "body": (
            "Første versjon av konkurransegrunnlaget er sendt til de fem "
            "prekvalifiserte leverandørene. Fristen for innledende tilbud er 3. mai."
        ),
    },
    {
        "published_on": "2017-05-03",
        "title": "Fire tilbud mottatt",
        "body": (
            "Da fristen gikk ut, hadde Helseplattformen mottatt tilbud fra fire av de "
            "fem prekvalifiserte leverandørene. Nå starter evalueringen og dialogen "
            "med leverandørene."
        ),
    },
    {
        "published_on": "2017-12-01",
        "title": "Reviderte tilbud levert",
        "body": (
            "Tre leverandører ble i oktober invitert videre i dialogen. I dag har de "
            "levert sine reviderte tilbud, som skal evalueres etter ytelse, risiko "
            "og pris."
        ),
    },
    {
        "published_on": "2018-01-15",  # day approximate
        "title": "Dialogen fortsetter med to leverandører",
        "body": (
            "Etter evaluering av de reviderte tilbudene er to leverandører invitert "
            "til å fortsette i konkurransen om Helseplattformen."
        ),
    },
    {
        "published_on": "2018-11-15",
        "title": "Endelig konkurransegrunnlag vedtatt",
        "body": (
            "Styret i Helse Midt-Norge RHF har vedtatt endelig konkurransegrunnlag. "
            "Dialogen avsluttes, og leverandøren inviteres til å gi et endelig, "
            "forpliktende tilbud."
        ),
    },
    {
        "published_on": "2019-03-01",  # day approximate
        "title": "Kontrakt om ny journalløsning",
        "body": (
            "Det endelige tilbudet er evaluert, og kontrakten om Helseplattformen "
            "skal signeres. Deretter starter innføringen i sykehus og kommuner."
        ),
    },
]
