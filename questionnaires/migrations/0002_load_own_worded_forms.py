"""Load the three own-worded questionnaires the product ships (docs/product.md, principle 3):

- ``nrs-pain-week``: average back pain over the last seven days, one item 0–10;
- ``disability-index``: everyday limitation, ten areas scored 0–5, result in percent — the
  structure and scoring of the Oswestry Disability Index 2.1a;
- ``fear-of-movement``: eleven statements on fear of movement and re-injury scored 1–4, summed
  to 11–44 — the structure and scoring of the TSK-11.

All item texts are our own wording in German and English; the licensed originals are not
reproduced. A practice that holds a licence imports the original as FHIR R4 JSON. Every value is
written out literally so the migration loads the same data however the app code changes later.
"""

from decimal import Decimal

from django.db import migrations

SCHEDULE = [0, 4, 12]

NRS_OPTIONS = [
    (0, "0 – keine Schmerzen", "0 – no pain"),
    *[(value, str(value), str(value)) for value in range(1, 10)],
    (
        10,
        "10 – stärkste Schmerzen, die Sie sich vorstellen können",
        "10 – the worst pain you can imagine",
    ),
]

AGREEMENT_OPTIONS = [
    (1, "Stimmt gar nicht", "Not true at all"),
    (2, "Stimmt eher nicht", "Mostly not true"),
    (3, "Stimmt eher", "Mostly true"),
    (4, "Stimmt genau", "Completely true"),
]


def _levels(*texts):
    """Six answer levels 0–5 from (German, English) pairs."""
    return [(value, de, en) for value, (de, en) in enumerate(texts)]


QUESTIONNAIRES = [
    {
        "slug": "nrs-pain-week",
        "version": "1.0",
        "title_de": "Rückenschmerz der letzten Woche (NRS)",
        "title_en": "Back pain over the last week (NRS)",
        "description_de": (
            "Eine Frage nach der durchschnittlichen Stärke Ihrer Rückenschmerzen in den letzten "
            "sieben Tagen, von 0 (keine Schmerzen) bis 10 (stärkste vorstellbare Schmerzen). "
            "Eigene Formulierung einer numerischen Schmerzskala (NRS) mit einer Woche Rückblick."
        ),
        "description_en": (
            "One question on the average strength of your back pain over the last seven days, "
            "from 0 (no pain) to 10 (the worst pain imaginable). Our own wording of a numeric "
            "pain rating scale (NRS) with a one-week recall."
        ),
        "structure_of": "NRS 0–10, 7-day recall",
        "scoring_method": "single_value",
        "max_missing": 0,
        "bands": [
            ("none", "0", "0", "schmerzfrei", "no pain"),
            ("mild", "1", "3", "leichte Schmerzen", "mild pain"),
            ("moderate", "4", "6", "mittelstarke Schmerzen", "moderate pain"),
            ("severe", "7", "10", "starke Schmerzen", "severe pain"),
        ],
        "items": [
            {
                "link_id": "pain-average-week",
                "text_de": "Wie stark waren Ihre Rückenschmerzen in den letzten 7 Tagen durchschnittlich?",
                "text_en": "On average, how strong was your back pain over the last 7 days?",
                "required": True,
                "options": NRS_OPTIONS,
            }
        ],
    },
    {
        "slug": "disability-index",
        "version": "1.0",
        "title_de": "Einschränkung im Alltag durch Rückenschmerzen",
        "title_en": "Everyday limitation from back pain",
        "description_de": (
            "Zehn Bereiche des Alltags mit je sechs Stufen von 0 (keine Einschränkung) bis 5 "
            "(stärkste Einschränkung). Wählen Sie je Bereich die Aussage, die heute am besten "
            "passt. Das Ergebnis in Prozent ist Punkte ÷ (5 × beantwortete Bereiche) × 100; bis "
            "zu zwei Bereiche dürfen offen bleiben. Eigene Formulierung mit Aufbau und "
            "Auswertung des Oswestry Disability Index 2.1a, nicht der lizenzierte Originaltext."
        ),
        "description_en": (
            "Ten areas of everyday life with six levels each, from 0 (no limitation) to 5 "
            "(greatest limitation). For each area pick the statement that fits best today. The "
            "result in percent is points ÷ (5 × areas answered) × 100; up to two areas may be "
            "left out. Our own wording with the structure and scoring of the Oswestry "
            "Disability Index 2.1a, not the licensed original text."
        ),
        "structure_of": "Oswestry Disability Index (ODI) 2.1a",
        "scoring_method": "percentage_of_max",
        "max_missing": 2,
        "bands": [
            ("minimal", "0", "20", "geringe Einschränkung", "little limitation"),
            ("moderate", "21", "40", "mäßige Einschränkung", "moderate limitation"),
            ("severe", "41", "60", "deutliche Einschränkung", "marked limitation"),
            ("very-severe", "61", "80", "schwere Einschränkung", "severe limitation"),
            (
                "extreme",
                "81",
                "100",
                "sehr schwere Einschränkung (weitgehend bettlägerig)",
                "very severe limitation (largely confined to bed)",
            ),
        ],
        "items": [
            {
                "link_id": "pain",
                "text_de": "Schmerzstärke: Wie stark sind Ihre Schmerzen im Moment?",
                "text_en": "Pain intensity: how strong is your pain right now?",
                "options": _levels(
                    ("Keine Schmerzen", "No pain"),
                    ("Leichte Schmerzen", "Slight pain"),
                    ("Mittelstarke Schmerzen", "Medium pain"),
                    ("Starke Schmerzen", "Strong pain"),
                    ("Sehr starke Schmerzen", "Very strong pain"),
                    ("Unerträgliche Schmerzen", "Unbearable pain"),
                ),
            },
            {
                "link_id": "personal-care",
                "text_de": "Körperpflege und Anziehen: Wie gut kommen Sie allein zurecht?",
                "text_en": "Washing and dressing: how well do you manage on your own?",
                "options": _levels(
                    ("Ganz normal, ohne zusätzliche Schmerzen", "As usual, without extra pain"),
                    ("Allein, aber mit Schmerzen", "On my own, but it hurts"),
                    (
                        "Allein, aber wegen der Schmerzen nur langsam und vorsichtig",
                        "On my own, but only slowly and carefully because of the pain",
                    ),
                    (
                        "Mit etwas Hilfe; das meiste schaffe ich selbst",
                        "With a little help; I do most of it myself",
                    ),
                    (
                        "Ich brauche jeden Tag bei den meisten Handgriffen Hilfe",
                        "I need help with most of it every day",
                    ),
                    (
                        "Jemand anders muss mich waschen und anziehen",
                        "Someone else has to wash and dress me",
                    ),
                ),
            },
            {
                "link_id": "lifting",
                "text_de": "Heben: Was können Sie trotz Rückenschmerzen anheben?",
                "text_en": "Lifting: what can you lift despite your back pain?",
                "options": _levels(
                    (
                        "Auch Schweres, ohne dass die Schmerzen zunehmen",
                        "Even heavy things, without more pain",
                    ),
                    (
                        "Auch Schweres, aber die Schmerzen nehmen dabei zu",
                        "Even heavy things, but the pain increases",
                    ),
                    (
                        "Schweres nicht vom Boden, wohl aber aus Tischhöhe",
                        "Heavy things not from the floor, but from table height",
                    ),
                    (
                        "Nur Leichtes bis Mittelschweres aus bequemer Höhe",
                        "Only light to medium things from a convenient height",
                    ),
                    ("Nur sehr leichte Dinge", "Only very light things"),
                    (
                        "Gar nichts, ich kann weder heben noch tragen",
                        "Nothing at all, I can neither lift nor carry",
                    ),
                ),
            },
            {
                "link_id": "walking",
                "text_de": "Gehen: Wie weit kommen Sie, bevor die Schmerzen Sie stoppen?",
                "text_en": "Walking: how far do you get before pain stops you?",
                "options": _levels(
                    ("So weit ich will", "As far as I like"),
                    (
                        "Nach etwa einem Kilometer ist Schluss",
                        "I have to stop after about a kilometre",
                    ),
                    (
                        "Nach wenigen hundert Metern ist Schluss",
                        "I have to stop after a few hundred metres",
                    ),
                    ("Nach etwa 100 Metern ist Schluss", "I have to stop after about 100 metres"),
                    (
                        "Nur mit Gehstock oder Unterarmstützen",
                        "Only with a walking stick or crutches",
                    ),
                    (
                        "Ich liege die meiste Zeit; selbst der Weg zur Toilette fällt schwer",
                        "I lie down most of the time; even getting to the toilet is hard",
                    ),
                ),
            },
            {
                "link_id": "sitting",
                "text_de": "Sitzen: Wie lange können Sie sitzen, bevor Sie wegen der Schmerzen aufstehen müssen?",
                "text_en": "Sitting: how long can you sit before pain makes you get up?",
                "options": _levels(
                    (
                        "Sitzen ist kein Problem, egal wie lange und worauf",
                        "Sitting is no problem, whatever the seat and however long",
                    ),
                    (
                        "Lange, aber nur auf einem Sitz, der mir passt",
                        "For a long time, but only on a seat that suits me",
                    ),
                    ("Etwa eine Stunde", "About an hour"),
                    ("Etwa eine halbe Stunde", "About half an hour"),
                    ("Etwa zehn Minuten", "About ten minutes"),
                    (
                        "Sitzen geht wegen der Schmerzen gar nicht",
                        "Sitting is impossible because of the pain",
                    ),
                ),
            },
            {
                "link_id": "standing",
                "text_de": "Stehen: Wie lange können Sie stehen, bevor die Schmerzen zu stark werden?",
                "text_en": "Standing: how long can you stand before the pain gets too strong?",
                "options": _levels(
                    (
                        "Beliebig lange, ohne dass die Schmerzen zunehmen",
                        "As long as I want, without more pain",
                    ),
                    (
                        "Beliebig lange, aber die Schmerzen nehmen zu",
                        "As long as I want, but the pain increases",
                    ),
                    ("Etwa eine Stunde", "About an hour"),
                    ("Etwa eine halbe Stunde", "About half an hour"),
                    ("Etwa zehn Minuten", "About ten minutes"),
                    (
                        "Stehen geht wegen der Schmerzen gar nicht",
                        "Standing is impossible because of the pain",
                    ),
                ),
            },
            {
                "link_id": "sleeping",
                "text_de": "Schlaf: Wie sehr stören die Schmerzen Ihre Nachtruhe?",
                "text_en": "Sleep: how much does pain disturb your nights?",
                "options": _levels(
                    (
                        "Ich schlafe durch, Schmerzen wecken mich nicht",
                        "I sleep through; pain does not wake me",
                    ),
                    ("Schmerzen wecken mich ab und zu", "Pain wakes me now and then"),
                    (
                        "Wegen der Schmerzen komme ich auf höchstens etwa sechs Stunden Schlaf",
                        "Because of pain I get at most about six hours of sleep",
                    ),
                    (
                        "Wegen der Schmerzen komme ich auf höchstens etwa vier Stunden Schlaf",
                        "Because of pain I get at most about four hours of sleep",
                    ),
                    (
                        "Wegen der Schmerzen komme ich auf höchstens etwa zwei Stunden Schlaf",
                        "Because of pain I get at most about two hours of sleep",
                    ),
                    (
                        "Vor Schmerzen kann ich gar nicht schlafen",
                        "Pain keeps me from sleeping at all",
                    ),
                ),
            },
            {
                "link_id": "sex-life",
                "text_de": (
                    "Sexualleben (überspringen, wenn es für Sie nicht zutrifft): Wie sehr "
                    "schränken die Schmerzen es ein?"
                ),
                "text_en": (
                    "Sex life (skip if it does not apply to you): how much does pain limit it?"
                ),
                "options": _levels(
                    (
                        "Gar nicht, und es tut nicht mehr weh als sonst",
                        "Not at all, and it does not hurt more than usual",
                    ),
                    (
                        "Gar nicht, aber es verstärkt die Schmerzen etwas",
                        "Not at all, but it increases the pain somewhat",
                    ),
                    ("Kaum, aber es ist sehr schmerzhaft", "Hardly, but it is very painful"),
                    ("Deutlich", "Clearly"),
                    (
                        "Es findet wegen der Schmerzen kaum noch statt",
                        "Because of pain it hardly happens any more",
                    ),
                    (
                        "Es ist wegen der Schmerzen nicht möglich",
                        "Because of pain it is not possible",
                    ),
                ),
            },
            {
                "link_id": "social-life",
                "text_de": "Freizeit und soziale Kontakte: Wie sehr schränken die Schmerzen Sie ein?",
                "text_en": "Leisure and social life: how much does pain limit you?",
                "options": _levels(
                    (
                        "Gar nicht; die Schmerzen werden dabei nicht stärker",
                        "Not at all; the pain does not get worse",
                    ),
                    (
                        "Gar nicht, aber die Schmerzen werden dabei stärker",
                        "Not at all, but the pain gets worse",
                    ),
                    (
                        "Nur bei körperlich anstrengenden Hobbys wie Sport oder Tanzen",
                        "Only in physically demanding pastimes such as sport or dancing",
                    ),
                    ("Ich gehe deswegen seltener aus", "I go out less often because of it"),
                    (
                        "Ich treffe andere fast nur noch zu Hause",
                        "I see people almost only at home",
                    ),
                    (
                        "Ich habe wegen der Schmerzen kaum noch soziale Kontakte",
                        "Because of pain I have hardly any social contact",
                    ),
                ),
            },
            {
                "link_id": "travelling",
                "text_de": "Unterwegs sein (Auto, Bus, Bahn): Wie lange halten Sie eine Fahrt aus?",
                "text_en": "Getting about (car, bus, train): how long a journey can you manage?",
                "options": _levels(
                    ("Jede Strecke, ohne Schmerzen", "Any distance, without pain"),
                    ("Jede Strecke, aber mit Schmerzen", "Any distance, but with pain"),
                    ("Fahrten bis etwa zwei Stunden", "Journeys of up to about two hours"),
                    ("Fahrten unter einer Stunde", "Journeys of under an hour"),
                    (
                        "Nur kurze, nötige Fahrten unter einer halben Stunde",
                        "Only short, necessary journeys under half an hour",
                    ),
                    (
                        "Nur zu Arzt- oder Therapieterminen",
                        "Only to medical or therapy appointments",
                    ),
                ),
            },
        ],
    },
    {
        "slug": "fear-of-movement",
        "version": "1.0",
        "title_de": "Angst vor Bewegung",
        "title_en": "Fear of movement",
        "description_de": (
            "Elf Aussagen über Sorgen rund um Bewegung, Schmerz und erneute Verletzung, jeweils "
            "von 1 (stimmt gar nicht) bis 4 (stimmt genau). Die Summe reicht von 11 bis 44; je "
            "höher, desto größer die Angst vor Bewegung. Eine Aussage darf offen bleiben, sie "
            "wird dann mit dem Mittel der übrigen ergänzt. Eigene Formulierung mit Aufbau und "
            "Auswertung der Tampa Scale for Kinesiophobia (TSK-11), nicht der lizenzierte "
            "Originaltext."
        ),
        "description_en": (
            "Eleven statements about worries around movement, pain and getting hurt again, each "
            "from 1 (not true at all) to 4 (completely true). The sum ranges from 11 to 44; the "
            "higher, the greater the fear of movement. One statement may be left out; it is then "
            "filled in with the mean of the others. Our own wording with the structure and "
            "scoring of the Tampa Scale for Kinesiophobia (TSK-11), not the licensed original "
            "text."
        ),
        "structure_of": "Tampa Scale for Kinesiophobia (TSK-11)",
        "scoring_method": "sum",
        "max_missing": 1,
        "bands": [],
        "items": [
            {"link_id": link_id, "text_de": de, "text_en": en, "options": AGREEMENT_OPTIONS}
            for link_id, de, en in [
                (
                    "training-harm",
                    "Ich fürchte, mir beim Training am Rücken zu schaden.",
                    "I worry that training could harm my back.",
                ),
                (
                    "pushing-worsens",
                    "Wenn ich gegen die Schmerzen angehe, werden sie nur schlimmer.",
                    "If I push against the pain, it will only get worse.",
                ),
                (
                    "pain-as-warning",
                    "Meine Schmerzen warnen mich, dass mit meinem Rücken etwas Ernstes nicht stimmt.",
                    "My pain warns me that something serious is wrong with my back.",
                ),
                (
                    "not-taken-seriously",
                    "Andere unterschätzen, wie ernst mein Rückenproblem ist.",
                    "Other people underestimate how serious my back problem is.",
                ),
                (
                    "lasting-fragility",
                    "Seit mein Rückenproblem begann, ist mein Körper dauerhaft verletzlicher.",
                    "Since my back problem began, my body has been more fragile for good.",
                ),
                (
                    "pain-means-damage",
                    "Wenn es wehtut, ist in meinem Rücken etwas kaputtgegangen.",
                    "When it hurts, something in my back has been damaged.",
                ),
                (
                    "avoiding-movement",
                    "Am besten schütze ich meinen Rücken, indem ich jede nicht nötige Bewegung vermeide.",
                    "The best way to protect my back is to avoid every movement I do not need to make.",
                ),
                (
                    "something-dangerous",
                    "So starke Schmerzen kann ich nur haben, wenn in meinem Körper etwas Gefährliches vor sich geht.",
                    "Pain this strong can only mean something dangerous is happening in my body.",
                ),
                (
                    "pain-as-stop-sign",
                    "Schmerz ist für mich das Zeichen, eine Übung abzubrechen, bevor ich mich verletze.",
                    "For me, pain is the sign to stop an exercise before I get hurt.",
                ),
                (
                    "easily-hurt",
                    "Weil ich mich leicht verletze, kann ich nicht alles tun, was andere in meinem Alter tun.",
                    "Because I get hurt easily, I cannot do everything other people my age do.",
                ),
                (
                    "no-training-in-pain",
                    "Wer Schmerzen hat, sollte nicht trainieren müssen.",
                    "Someone in pain should not have to exercise.",
                ),
            ]
        ],
    },
]


def load_forms(apps, schema_editor):
    Questionnaire = apps.get_model("questionnaires", "Questionnaire")
    Item = apps.get_model("questionnaires", "Item")
    Option = apps.get_model("questionnaires", "Option")
    ScoreBand = apps.get_model("questionnaires", "ScoreBand")
    for data in QUESTIONNAIRES:
        questionnaire = Questionnaire.objects.create(
            slug=data["slug"],
            version=data["version"],
            title_de=data["title_de"],
            title_en=data["title_en"],
            description_de=data["description_de"],
            description_en=data["description_en"],
            own_wording=True,
            structure_of=data["structure_of"],
            scoring_method=data["scoring_method"],
            max_missing=data["max_missing"],
            higher_is_worse=True,
            schedule_weeks=SCHEDULE,
            due_window_days=14,
            is_active=True,
        )
        ScoreBand.objects.bulk_create(
            ScoreBand(
                questionnaire=questionnaire,
                code=code,
                lower=Decimal(lower),
                upper=Decimal(upper),
                label_de=label_de,
                label_en=label_en,
            )
            for code, lower, upper, label_de, label_en in data["bands"]
        )
        for order, item_data in enumerate(data["items"]):
            item = Item.objects.create(
                questionnaire=questionnaire,
                link_id=item_data["link_id"],
                order=order,
                text_de=item_data["text_de"],
                text_en=item_data["text_en"],
                required=item_data.get("required", False),
                reversed=False,
            )
            Option.objects.bulk_create(
                Option(item=item, order=index, value=value, text_de=de, text_en=en)
                for index, (value, de, en) in enumerate(item_data["options"])
            )


def unload_forms(apps, schema_editor):
    """Leaf rows first, without the deletion collector: it mixes up historical model classes
    when several apps are unapplied in one run. Refuses while responses to the forms exist."""
    Questionnaire = apps.get_model("questionnaires", "Questionnaire")
    Response = apps.get_model("questionnaires", "Response")
    ids = list(
        Questionnaire.objects.filter(
            slug__in=[data["slug"] for data in QUESTIONNAIRES]
        ).values_list("pk", flat=True)
    )
    if Response.objects.filter(questionnaire_id__in=ids).exists():
        raise RuntimeError("Patients have answered the shipped questionnaires; not removing them.")
    for model, lookup in [
        ("Option", "item__questionnaire_id__in"),
        ("ScoreBand", "questionnaire_id__in"),
        ("Item", "questionnaire_id__in"),
        ("Questionnaire", "pk__in"),
    ]:
        rows = apps.get_model("questionnaires", model).objects.filter(**{lookup: ids})
        rows._raw_delete(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_questionnaires")]

    operations = [migrations.RunPython(load_forms, unload_forms)]
