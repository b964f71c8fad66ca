"""Load the MASTER back programme: four phases, the four training goals with the dosage of the
article's parameter table, seven exercises, three daily habits and the programme tying them together.

Every value is written out literally (no imports from ``programs``) so the migration keeps loading the
same data however the app code changes later. Practices edit or copy the rows in the admin.
"""

from decimal import Decimal

from django.db import migrations

PROGRAM_SLUG = "master"

PHASES = [
    {
        "number": 1,
        "slug": "akut-entlastung",
        "name_de": "Akut-Entlastung und Gewebehydratation",
        "name_en": "Acute relief and tissue hydration",
        "aim_de": (
            "Bevor Kraft aufgebaut wird, bekommen die Bandscheiben wieder Platz: Sanfter Druck und "
            "entlastende Lagerung lösen die Lendenrückenfaszie (Fascia thoracolumbalis), regen den "
            "Flüssigkeitsaustausch im Gewebe an und nehmen Zug vom unteren Rücken."
        ),
        "aim_en": (
            "Before any strength work, the discs get room again: gentle pressure and relieving "
            "positions loosen the thoracolumbar fascia, stimulate fluid exchange in the tissue and "
            "take tension off the lower back."
        ),
    },
    {
        "number": 2,
        "slug": "innere-stabilitaet",
        "name_de": "Aktivierung der inneren Stabilität",
        "name_en": "Activating inner stability",
        "aim_de": (
            "Das Nervensystem lernt wieder, die tiefen Stabilisatoren der Wirbelsäule gezielt "
            "anzusteuern – die Mm. multifidi und den queren Bauchmuskel (M. transversus abdominis). "
            "In dieser Phase zählt die Ansteuerung, nicht die Muskelmasse."
        ),
        "aim_en": (
            "The nervous system relearns how to switch on the deep stabilisers of the spine – the "
            "multifidus muscles and the transverse abdominal muscle (transversus abdominis). In this "
            "phase, control matters, not muscle size."
        ),
    },
    {
        "number": 3,
        "slug": "funktionelle-kraftentwicklung",
        "name_de": "Funktionelle Kraftentwicklung",
        "name_en": "Building functional strength",
        "aim_de": (
            "Die gewonnene Stabilität wird in Bewegungen des Alltags übertragen: Lasten über die "
            "Hüfte statt über die Lendenwirbelsäule aufnehmen und auch auf einem Bein das "
            "Gleichgewicht halten."
        ),
        "aim_en": (
            "The stability gained so far is carried into everyday movement: taking loads through the "
            "hips instead of the lumbar spine, and keeping balance even on one leg."
        ),
    },
    {
        "number": 4,
        "slug": "elastizitaet-belastungsspitzen",
        "name_de": "Elastizität und Belastungsspitzen",
        "name_en": "Elasticity and peak loads",
        "aim_de": (
            "Die Faszien werden federnd und widerstandsfähig, damit der Rücken plötzliche und "
            "unerwartete Belastungen abfangen kann."
        ),
        "aim_en": (
            "The fascia becomes springy and resilient so that the back can absorb sudden, "
            "unexpected loads."
        ),
    },
]

# Dosage per goal. interval_days / weekly_target / weekly_max follow the frequency:
# daily 1 / 7 / 7, every_2_days 2 / 3.5 / 4, 3_4_per_week 1 / 3 / 4, 2_3_per_week 2 / 2 / 3.
GOALS = [
    {
        "slug": "faszien-hydratation",
        "order": 1,
        "name_de": "Faszien-Hydratation",
        "name_en": "Fascial hydration",
        "description_de": (
            "Langsames Rollen und gezielter Druck bringen Flüssigkeit in das Bindegewebe und helfen "
            "den Faszienschichten, wieder gegeneinander zu gleiten. Jede Körperregion wird zweimal "
            "durchgearbeitet, ohne Pause zwischen den Durchgängen – am besten jeden Tag."
        ),
        "description_en": (
            "Slow rolling and targeted pressure draw fluid into the connective tissue and help the "
            "fascial layers glide on each other again. Each body region is worked through twice, "
            "with no break between passes – ideally every day."
        ),
        "tempo_note_de": "sehr langsam, etwa 1 cm pro Sekunde",
        "tempo_note_en": "very slowly, about 1 cm per second",
        "reps_min": None,
        "reps_max": None,
        "duration_min_s": None,
        "duration_max_s": None,
        "tempo": "very_slow",
        "sets": 2,
        "set_unit": "passes",
        "rest_s": 0,
        "frequency": "daily",
        "interval_days": 1,
        "weekly_target": Decimal(7),
        "weekly_max": 7,
    },
    {
        "slug": "tiefe-stabilisation",
        "order": 2,
        "name_de": "Tiefe Stabilisation",
        "name_en": "Deep stabilisation",
        "description_de": (
            "Feine, langsame Aktivierung der tiefen Rumpfmuskulatur: wenig Kraft, viel "
            "Aufmerksamkeit. 3 Sätze mit je 15–20 langsamen Wiederholungen und 30 Sekunden Pause, "
            "3- bis 4-mal pro Woche."
        ),
        "description_en": (
            "Gentle, slow activation of the deep trunk muscles: little force, full attention. "
            "3 sets of 15–20 slow repetitions with 30 seconds of rest, 3 to 4 times a week."
        ),
        "tempo_note_de": "langsam und bewusst, ohne Schwung; dabei ruhig weiteratmen",
        "tempo_note_en": "slow and deliberate, without momentum; keep breathing calmly",
        "reps_min": 15,
        "reps_max": 20,
        "duration_min_s": None,
        "duration_max_s": None,
        "tempo": "slow",
        "sets": 3,
        "set_unit": "sets",
        "rest_s": 30,
        "frequency": "3_4_per_week",
        "interval_days": 1,
        "weekly_target": Decimal(3),
        "weekly_max": 4,
    },
    {
        "slug": "funktionelle-kraft",
        "order": 3,
        "name_de": "Funktionelle Kraft",
        "name_en": "Functional strength",
        "description_de": (
            "Alltagsnahe Bewegungsmuster ohne oder mit wenig Zusatzlast. 3 Sätze mit je 8–12 "
            "kontrollierten Wiederholungen und 90 Sekunden Pause, 2- bis 3-mal pro Woche; zwischen "
            "zwei Einheiten liegen mindestens 48 Stunden, damit sich das Gewebe erholen kann."
        ),
        "description_en": (
            "Everyday movement patterns with no or little extra load. 3 sets of 8–12 controlled "
            "repetitions with 90 seconds of rest, 2 to 3 times a week; leave at least 48 hours "
            "between sessions so the tissue can recover."
        ),
        "tempo_note_de": "kontrolliert in beide Richtungen, ohne Schwung",
        "tempo_note_en": "controlled in both directions, without momentum",
        "reps_min": 8,
        "reps_max": 12,
        "duration_min_s": None,
        "duration_max_s": None,
        "tempo": "controlled",
        "sets": 3,
        "set_unit": "sets",
        "rest_s": 90,
        "frequency": "2_3_per_week",
        "interval_days": 2,
        "weekly_target": Decimal(2),
        "weekly_max": 3,
    },
    {
        "slug": "fasziale-elastizitaet",
        "order": 4,
        "name_de": "Fasziale Elastizität",
        "name_en": "Fascial elasticity",
        "description_de": (
            "Leichtes, rhythmisches Federn trainiert die Fähigkeit der Faszien, Energie elastisch "
            "aufzunehmen und wieder abzugeben. 2 Sätze von je 30–60 Sekunden, jeden zweiten Tag. "
            "Die Pause zwischen den Sätzen ist bewusst kurz (etwa 15 Sekunden, bis sich die Atmung "
            "beruhigt hat)."
        ),
        "description_en": (
            "Light, rhythmic bouncing trains the fascia's ability to store energy elastically and "
            "release it again. 2 sets of 30–60 seconds every other day. The rest between sets is "
            "deliberately short (about 15 seconds, until your breathing has settled)."
        ),
        "tempo_note_de": "leicht und federnd; nur kurze Pause von etwa 15 Sekunden",
        "tempo_note_en": "light and springy; only a short rest of about 15 seconds",
        "reps_min": None,
        "reps_max": None,
        "duration_min_s": 30,
        "duration_max_s": 60,
        "tempo": "reactive",
        "sets": 2,
        "set_unit": "sets",
        "rest_s": 15,
        "frequency": "every_2_days",
        "interval_days": 2,
        "weekly_target": Decimal("3.5"),
        "weekly_max": 4,
    },
]

DOSAGE_FIELDS = (
    "reps_min",
    "reps_max",
    "duration_min_s",
    "duration_max_s",
    "tempo",
    "sets",
    "set_unit",
    "rest_s",
    "frequency",
    "interval_days",
    "weekly_target",
    "weekly_max",
)

# Appended to every exercise's safety notes: when to stop, and the warning signs that need a doctor.
STOP_DE = (
    "Brechen Sie sofort ab und melden Sie sich bei Ihrer Therapeutin oder Ihrem Therapeuten, wenn "
    "Taubheit, Kribbeln, Kraftverlust oder ins Bein ausstrahlende Schmerzen auftreten. Bei Taubheit "
    "im Genital- oder Gesäßbereich (Reithosenbereich) oder neuen Problemen beim Wasserlassen oder "
    "Stuhlgang suchen Sie umgehend ärztliche Hilfe."
)
STOP_EN = (
    "Stop at once and contact your therapist if you notice numbness, tingling, weakness or pain "
    "radiating into the leg. If you notice numbness around the genitals or buttocks (saddle area) "
    "or new problems passing urine or stool, seek medical help immediately."
)

EXERCISES = [
    {
        "slug": "lws-release-doppelball",
        "phase": 1,
        "goal": "faszien-hydratation",
        "order": 1,
        "name_de": "LWS-Release mit dem Doppelball",
        "name_en": "Lower-back release with the double ball",
        "instructions_de": (
            "Legen Sie sich auf den Rücken, die Knie sind angewinkelt und die Füße stehen "
            "hüftbreit auf dem Boden. Platzieren Sie den Doppelball (oder zwei Faszienbälle bzw. "
            "eine Duo-Rolle) im Lendenbereich so, dass je ein Ball links und rechts neben der "
            "Wirbelsäule liegt; die Wirbelsäule selbst bleibt in der Lücke dazwischen frei.\n\n"
            "Lassen Sie das Becken schwer auf die Bälle sinken. Verlagern Sie es dann ganz langsam "
            "abwechselnd nach rechts und nach links, sodass der Druck über die Muskulatur neben der "
            "Wirbelsäule wandert. Ein Durchgang führt einmal durch den ganzen Lendenbereich; "
            "schieben Sie die Bälle dafür zwischendurch ein kleines Stück höher oder tiefer.\n\n"
            "Der Druck soll die Schichten der Lendenrückenfaszie wieder gleitfähig machen und den "
            "Abfluss von Gewebeflüssigkeit (Lymphe) anregen."
        ),
        "instructions_en": (
            "Lie on your back with your knees bent and your feet hip-width apart on the floor. "
            "Place the double ball (or two fascia balls, or a duo roller) under your lower back so "
            "that one ball sits on each side of the spine; the spine itself stays free in the gap "
            "between them.\n\n"
            "Let your pelvis sink heavily onto the balls. Then shift it very slowly from side to "
            "side, so that the pressure travels across the muscles next to the spine. One pass "
            "takes you once through the whole lumbar area; move the balls a little up or down as "
            "you go.\n\n"
            "The pressure helps the layers of the thoracolumbar fascia glide again and encourages "
            "the drainage of tissue fluid (lymph)."
        ),
        "cues_de": (
            "Langsam bleiben – etwa 1 cm pro Sekunde.\n"
            "Ruhig in den Bauch atmen.\n"
            "Der Druck darf deutlich spürbar sein, aber nicht schmerzhaft.\n"
            "Nie direkt auf der Wirbelsäule rollen."
        ),
        "cues_en": (
            "Stay slow – about 1 cm per second.\n"
            "Breathe calmly into your belly.\n"
            "The pressure may be clearly noticeable, but never painful.\n"
            "Never roll directly on the spine."
        ),
        "equipment_de": "Doppelball (alternativ zwei Faszienbälle oder Duo-Rolle), Matte",
        "equipment_en": "Double ball (or two fascia balls or a duo roller), mat",
        "safety_notes_de": (
            "Bleiben Sie unterhalb Ihrer persönlichen Schmerzgrenze; Verspannungen sollen sich "
            "lösen, nicht verstärken. Die Bälle nicht auf die Dornfortsätze, auf frische "
            "Verletzungen, Blutergüsse oder entzündete Haut legen. Bei Osteoporose, Einnahme von "
            "Blutverdünnern oder nach einer Operation an der Wirbelsäule die Übung vorher mit Ihrer "
            "Therapeutin oder Ihrem Therapeuten absprechen. " + STOP_DE
        ),
        "safety_notes_en": (
            "Stay below your personal pain limit; tension should ease, not build up. Do not place "
            "the balls on the bony points of the spine, on fresh injuries, bruises or inflamed "
            "skin. If you have osteoporosis, take blood thinners or have had spinal surgery, agree "
            "on this exercise with your therapist first. " + STOP_EN
        ),
    },
    {
        "slug": "passive-extension-faszienrolle",
        "phase": 1,
        "goal": "faszien-hydratation",
        "order": 2,
        "name_de": "Passive Extension über die Faszienrolle",
        "name_en": "Passive extension over the foam roller",
        "instructions_de": (
            "Setzen Sie sich auf den Boden, die Faszienrolle liegt quer hinter Ihnen. Lehnen Sie "
            "sich mit Hilfe der Hände langsam zurück, bis die Rolle quer unter dem mittleren Rücken "
            "liegt – etwa auf Höhe der unteren Schulterblattspitzen, nicht unter der "
            "Lendenwirbelsäule. Die Füße bleiben aufgestellt, das Gesäß bleibt am Boden.\n\n"
            "Lassen Sie die Arme entspannt zur Seite sinken oder stützen Sie den Kopf mit den "
            "Händen, falls der Nacken zieht. Der Brustkorb sinkt über der Rolle nach hinten; Bauch "
            "und Brust werden dadurch vorne sanft gedehnt, was den Zug auf den unteren Rücken "
            "verringert. Atmen Sie ruhig und lassen Sie los.\n\n"
            "Schieben Sie die Rolle anschließend durch leichtes Anheben des Beckens sehr langsam "
            "ein paar Zentimeter weiter nach oben und wieder zurück; zweimal durch den Bereich der "
            "Brustwirbelsäule ergibt die Dosis."
        ),
        "instructions_en": (
            "Sit on the floor with the foam roller lying crosswise behind you. Using your hands for "
            "support, lean back slowly until the roller lies across your mid back – roughly level "
            "with the lower tips of your shoulder blades, not under the lumbar spine. Keep your "
            "feet on the floor and your buttocks down.\n\n"
            "Let your arms drop relaxed to the sides, or support your head with your hands if your "
            "neck feels strained. Your chest sinks back over the roller, gently stretching the "
            "front of your belly and chest, which eases the pull on your lower back. Breathe "
            "calmly and let go.\n\n"
            "Then, lifting your pelvis slightly, move the roller very slowly a few centimetres "
            "further up and back again; two passes over the thoracic spine make up the dose."
        ),
        "cues_de": (
            "Die Rolle liegt unter dem mittleren Rücken, nie unter dem Hohlkreuz.\n"
            "Kopf ablegen oder mit den Händen stützen – der Nacken bleibt entspannt.\n"
            "Mit jeder Ausatmung etwas tiefer über die Rolle sinken.\n"
            "Sehr langsam bewegen – etwa 1 cm pro Sekunde."
        ),
        "cues_en": (
            "The roller sits under the mid back, never under the hollow of the lower back.\n"
            "Rest your head or support it with your hands – keep the neck relaxed.\n"
            "Sink a little deeper over the roller with each breath out.\n"
            "Move very slowly – about 1 cm per second."
        ),
        "equipment_de": "Faszienrolle, Matte",
        "equipment_en": "Foam roller, mat",
        "safety_notes_de": (
            "Die Dehnung soll angenehm sein; bleiben Sie unterhalb Ihrer persönlichen "
            "Schmerzgrenze und verringern Sie die Streckung, wenn der untere Rücken drückt. Bei "
            "Schwindel, Nackenbeschwerden oder Osteoporose eine weichere Rolle verwenden oder ein "
            "Kissen unter den Kopf legen und die Übung mit Ihrer Therapeutin oder Ihrem Therapeuten "
            "absprechen. Langsam und über die Seite wieder aufstehen. " + STOP_DE
        ),
        "safety_notes_en": (
            "The stretch should feel pleasant; stay below your personal pain limit and reduce the "
            "backward bend if your lower back feels compressed. If you get dizzy, have neck "
            "problems or osteoporosis, use a softer roller or put a cushion under your head and "
            "agree on the exercise with your therapist. Get up slowly by rolling onto your side. "
            + STOP_EN
        ),
    },
    {
        "slug": "segmentale-stabilisation",
        "phase": 2,
        "goal": "tiefe-stabilisation",
        "order": 1,
        "name_de": "Segmentale Stabilisation",
        "name_en": "Segmental stabilisation",
        "instructions_de": (
            "Rückenlage, die Knie sind angewinkelt, die Füße stehen flach auf dem Boden. Das Becken "
            "liegt entspannt in der Mitte – weder ins Hohlkreuz gekippt noch flach auf den Boden "
            "gedrückt. Legen Sie die Fingerspitzen knapp innen neben die vorderen Beckenknochen.\n\n"
            "Ziehen Sie nun den Unterbauch ganz leicht nach innen, als wollten Sie eine Hose eine "
            "Nummer enger schließen. Unter den Fingern spüren Sie eine feine, tiefe Spannung. "
            "Halten Sie sie wenige Sekunden bei ruhiger, fließender Atmung und lassen Sie dann "
            "vollständig los – das ist eine Wiederholung. Becken, Rippen und Rücken bleiben dabei "
            "unbewegt.\n\n"
            "Arbeiten Sie mit höchstens einem Drittel Ihrer Kraft: Es geht darum, die tiefen "
            "Stabilisatoren (querer Bauchmuskel, Mm. multifidi) gezielt anzusteuern, nicht um "
            "Kraft."
        ),
        "instructions_en": (
            "Lie on your back with your knees bent and your feet flat on the floor. Your pelvis "
            "rests in a relaxed middle position – neither arched into a hollow back nor pressed "
            "flat into the floor. Place your fingertips just inside the bony points at the front "
            "of your pelvis.\n\n"
            "Now draw your lower belly in very slightly, as if fastening trousers one size "
            "smaller. Under your fingers you feel a fine, deep tension. Hold it for a few seconds "
            "while breathing calmly, then let go completely – that is one repetition. Pelvis, "
            "ribs and back stay still throughout.\n\n"
            "Use no more than a third of your strength: the point is to switch on the deep "
            "stabilisers (transverse abdominal muscle, multifidus muscles) precisely, not to work "
            "hard."
        ),
        "cues_de": (
            "Weiteratmen – die Luft nie anhalten.\n"
            "Nur ein minimaler Impuls, von außen kaum sichtbar.\n"
            "Das Becken bleibt ruhig liegen.\n"
            "Nach jeder Wiederholung ganz loslassen."
        ),
        "cues_en": (
            "Keep breathing – never hold your breath.\n"
            "Only a tiny impulse, hardly visible from outside.\n"
            "Your pelvis stays still.\n"
            "Let go completely after each repetition."
        ),
        "equipment_de": "Matte",
        "equipment_en": "Mat",
        "safety_notes_de": (
            "Die Übung ist sanft und sollte keinen Schmerz auslösen; bleiben Sie unterhalb Ihrer "
            "persönlichen Schmerzgrenze. Gelingt die Spannung nur mit Pressatmung oder "
            "Beckenbewegung, nehmen Sie weniger Kraft. Nach Bauchoperationen oder in der "
            "Schwangerschaft sprechen Sie die Übung vorher mit Ihrer Therapeutin oder Ihrem "
            "Therapeuten ab. " + STOP_DE
        ),
        "safety_notes_en": (
            "This is a gentle exercise and should not cause pain; stay below your personal pain "
            "limit. If you can only create the tension by holding your breath and straining, or "
            "by moving your pelvis, use less effort. After abdominal surgery or during pregnancy, "
            "agree on the exercise with your therapist first. " + STOP_EN
        ),
    },
    {
        "slug": "plank-mtt",
        "phase": 2,
        "goal": "tiefe-stabilisation",
        "order": 2,
        "name_de": "Plank-Variationen (MTT-Style)",
        "name_en": "Plank variations (MTT style)",
        "instructions_de": (
            "Gehen Sie in den Unterarmstütz: Ellenbogen unter den Schultern, Unterarme parallel, "
            "Beine gestreckt, der Körper bildet von Kopf bis Ferse eine Linie. Ist das noch zu "
            "anstrengend, stützen Sie sich auf die Knie statt auf die Zehen.\n\n"
            "Aktivieren Sie leicht den Unterbauch wie bei der segmentalen Stabilisation. Dann "
            "folgt eine Wiederholung: Ziehen Sie Ellenbogen und Zehenspitzen kraftvoll zueinander, "
            "ohne dass sie sich auf dem Boden tatsächlich verschieben. Halten Sie diesen "
            "isometrischen Zug etwa 2–3 Sekunden und lassen Sie ihn wieder nach, ohne die "
            "Stützposition aufzugeben. Sie spüren, wie sich die Spannung im ganzen Rumpf "
            "aufbaut.\n\n"
            "Die Dosis zählt diese kurzen Zugimpulse, nicht die Haltezeit: 15–20 langsame "
            "Wiederholungen pro Satz. Reicht die Kraft nicht für einen ganzen Satz im Stütz, legen "
            "Sie sich kurz ab und setzen Sie den Satz dann fort."
        ),
        "instructions_en": (
            "Get into a forearm plank: elbows under your shoulders, forearms parallel, legs "
            "straight, your body in one line from head to heels. If that is still too hard, rest "
            "on your knees instead of your toes.\n\n"
            "Lightly engage your lower belly as in segmental stabilisation. Then do one "
            "repetition: pull your elbows and toes firmly towards each other without letting them "
            "actually slide on the floor. Hold this isometric pull for about 2–3 seconds and "
            "release it again while staying in the plank. You feel the tension building through "
            "your whole trunk.\n\n"
            "The dose counts these short pulls, not holding time: 15–20 slow repetitions per set. "
            "If you cannot stay in the plank for a whole set, lower yourself briefly and then "
            "finish the set."
        ),
        "cues_de": (
            "Der Rücken bleibt lang – nicht durchhängen, das Gesäß nicht nach oben schieben.\n"
            "Blick zum Boden, der Nacken verlängert die Wirbelsäule.\n"
            "Während des Zugs ruhig weiteratmen.\n"
            "Ellenbogen und Zehen bleiben an ihrem Platz – nur die Spannung ändert sich."
        ),
        "cues_en": (
            "Keep your back long – do not sag, do not push your bottom up.\n"
            "Look at the floor; your neck continues the line of the spine.\n"
            "Keep breathing calmly during each pull.\n"
            "Elbows and toes stay where they are – only the tension changes."
        ),
        "equipment_de": "Matte",
        "equipment_en": "Mat",
        "safety_notes_de": (
            "Beenden Sie den Satz, sobald der untere Rücken durchhängt oder dort Schmerz entsteht; "
            "wechseln Sie dann auf die Knievariante oder zurück zur segmentalen Stabilisation. "
            "Bleiben Sie unterhalb Ihrer persönlichen Schmerzgrenze. Bei Schulter- oder "
            "Ellenbogenbeschwerden eine weiche Unterlage nutzen und die Belastung verringern; bei "
            "Bluthochdruck nicht pressen. " + STOP_DE
        ),
        "safety_notes_en": (
            "End the set as soon as your lower back sags or starts to hurt; switch to the "
            "kneeling version or go back to segmental stabilisation. Stay below your personal "
            "pain limit. With shoulder or elbow problems, use a soft surface and reduce the load; "
            "with high blood pressure, do not strain or hold your breath. " + STOP_EN
        ),
    },
    {
        "slug": "rumaenisches-kreuzheben",
        "phase": 3,
        "goal": "funktionelle-kraft",
        "order": 1,
        "name_de": "Rumänisches Kreuzheben (ohne/leichte Last)",
        "name_en": "Romanian deadlift (no or light load)",
        "instructions_de": (
            "Stellen Sie sich hüftbreit hin, die Knie sind leicht gebeugt und bleiben es während "
            "der ganzen Bewegung. Die Hände liegen vorne an den Oberschenkeln; erst wenn die "
            "Bewegung sicher gelingt, halten Sie eine leichte Last (Kurzhanteln, Kettlebell oder "
            "einen Stab) vor dem Körper.\n\n"
            "Bauen Sie leichte Rumpfspannung auf und schieben Sie dann das Gesäß nach hinten, als "
            "wollten Sie mit ihm eine Tür hinter sich zuschieben. Der Oberkörper neigt sich "
            "dadurch nach vorne, während der Rücken vom Kopf bis zum Becken gerade und lang "
            "bleibt. Gehen Sie nur so weit, wie Sie diese Linie halten können – meist bis an der "
            "Oberschenkelrückseite eine deutliche Dehnung zu spüren ist.\n\n"
            "Richten Sie sich kontrolliert wieder auf, indem Sie die Hüfte nach vorne bringen und "
            "das Gesäß anspannen. So lernt der Körper, Lasten über die Hüftgelenke aufzunehmen "
            "statt über die Lendenwirbelsäule."
        ),
        "instructions_en": (
            "Stand with your feet hip-width apart and your knees slightly bent; they stay that way "
            "throughout. Rest your hands on the front of your thighs; only once the movement feels "
            "safe, hold a light load (dumbbells, a kettlebell or a bar) in front of you.\n\n"
            "Brace your trunk lightly, then push your bottom backwards as if closing a door behind "
            "you with it. Your upper body tips forward while your back stays straight and long "
            "from head to pelvis. Go only as far as you can keep that line – usually until you "
            "feel a clear stretch at the back of your thighs.\n\n"
            "Come back up under control by bringing your hips forward and squeezing your glutes. "
            "This teaches your body to take loads through the hip joints rather than the lumbar "
            "spine."
        ),
        "cues_de": (
            "Die Bewegung kommt aus der Hüfte, nicht aus dem Rücken.\n"
            "Rücken lang und gerade, keine Rundung.\n"
            "Gewicht mittig auf den Füßen, die Fersen bleiben am Boden.\n"
            "Hände oder Last nah am Körper führen.\n"
            "Beim Vorneigen einatmen, beim Aufrichten ausatmen."
        ),
        "cues_en": (
            "The movement comes from the hips, not from the back.\n"
            "Back long and straight, no rounding.\n"
            "Weight in the middle of your feet, heels stay down.\n"
            "Keep your hands or the load close to your body.\n"
            "Breathe in as you lean forward, out as you come up."
        ),
        "equipment_de": "Ohne Gerät; später leichte Kurzhanteln, Kettlebell oder Stab",
        "equipment_en": "None; later light dumbbells, a kettlebell or a bar",
        "safety_notes_de": (
            "Üben Sie zuerst ohne Gewicht, bis die Bewegung sicher sitzt, und steigern Sie die "
            "Last nur in Absprache mit Ihrer Therapeutin oder Ihrem Therapeuten. Rundet sich der "
            "Rücken oder ziehen die Beschwerden in den Rücken, verkürzen Sie die Bewegung oder "
            "nehmen Sie weniger Gewicht. Bleiben Sie unterhalb Ihrer persönlichen Schmerzgrenze. "
            + STOP_DE
        ),
        "safety_notes_en": (
            "Practise without weight first until the movement is reliable, and only add load in "
            "agreement with your therapist. If your back rounds or the exercise provokes your back "
            "pain, shorten the movement or use less weight. Stay below your personal pain limit. "
            + STOP_EN
        ),
    },
    {
        "slug": "einbeinstand-rotation",
        "phase": 3,
        "goal": "funktionelle-kraft",
        "order": 2,
        "name_de": "Einbeinstand mit Rotation",
        "name_en": "Single-leg stance with rotation",
        "instructions_de": (
            "Stellen Sie sich aufrecht neben eine Wand oder eine stabile Stuhllehne, an der Sie "
            "sich bei Bedarf festhalten können. Verlagern Sie das Gewicht auf ein Bein und heben "
            "Sie den anderen Fuß knapp vom Boden ab; das Standknie ist locker, nicht "
            "durchgestreckt. Die Arme sind vor der Brust verschränkt oder nach vorne gestreckt.\n\n"
            "Drehen Sie den Oberkörper nun langsam zu einer Seite und dann zur anderen, während "
            "Becken und Standbein möglichst ruhig bleiben. Einmal nach rechts und nach links "
            "zählt als eine Wiederholung. Führen Sie jeden Satz auf beiden Beinen aus.\n\n"
            "Weil das Gleichgewicht ständig nachgeregelt werden muss, arbeiten die kleinen, tiefen "
            "Rückenmuskeln ununterbrochen mit – genau die Muskeln, die die Wirbelsäule Segment für "
            "Segment sichern."
        ),
        "instructions_en": (
            "Stand upright next to a wall or the back of a sturdy chair that you can hold on to if "
            "needed. Shift your weight onto one leg and lift the other foot just off the floor; "
            "the standing knee is soft, not locked. Cross your arms over your chest or stretch "
            "them out in front.\n\n"
            "Now turn your upper body slowly to one side and then to the other, keeping your "
            "pelvis and standing leg as still as you can. Once right and once left counts as one "
            "repetition. Do every set on both legs.\n\n"
            "Because your balance has to be corrected all the time, the small deep back muscles "
            "work continuously – exactly the muscles that secure the spine segment by segment."
        ),
        "cues_de": (
            "Langsam drehen, ohne Schwung.\n"
            "Die Drehung kommt aus dem Brustkorb; das Becken zeigt weiter nach vorne.\n"
            "Anfangs den Blick auf einen festen Punkt richten.\n"
            "Ferse, Groß- und Kleinzehenballen des Standfußes bleiben am Boden."
        ),
        "cues_en": (
            "Turn slowly, without momentum.\n"
            "The rotation comes from the chest; your pelvis keeps facing forward.\n"
            "At first, keep your eyes on a fixed point.\n"
            "Heel, big-toe and little-toe pads of the standing foot stay on the floor."
        ),
        "equipment_de": "Ohne Gerät; Wand oder Stuhllehne zum Festhalten",
        "equipment_en": "None; a wall or the back of a chair for support",
        "safety_notes_de": (
            "Sturzgefahr: Üben Sie immer in Reichweite eines festen Halts, auf rutschfestem Boden, "
            "barfuß oder in flachen Schuhen. Drehen Sie nur so weit, wie es schmerzfrei gelingt, "
            "und bleiben Sie unterhalb Ihrer persönlichen Schmerzgrenze. Bei Schwindel sofort "
            "festhalten und abbrechen. " + STOP_DE
        ),
        "safety_notes_en": (
            "Risk of falling: always practise within reach of something solid, on a non-slip "
            "floor, barefoot or in flat shoes. Rotate only as far as you can without pain and stay "
            "below your personal pain limit. If you feel dizzy, hold on and stop. " + STOP_EN
        ),
    },
    {
        "slug": "reaktives-federn",
        "phase": 4,
        "goal": "fasziale-elastizitaet",
        "order": 1,
        "name_de": "Reaktives Federn",
        "name_en": "Reactive bouncing",
        "instructions_de": (
            "Stellen Sie sich aufrecht hin, die Füße etwa hüftbreit, die Knie locker. Beginnen "
            "Sie, leicht und rhythmisch auf der Stelle zu wippen: Die Fersen heben sich nur ein "
            "wenig und senken sich gleich wieder, ohne sich ganz vom Boden zu lösen; die "
            "Fußballen bleiben stets am Boden. Die Bewegung ist klein, zügig und elastisch – eher "
            "ein Nachfedern als ein Hüpfen.\n\n"
            "Lassen Sie die leichte Erschütterung weich durch Beine, Becken und Rücken laufen und "
            "halten Sie den Oberkörper dabei locker aufgerichtet. Ein Satz dauert 30–60 "
            "Sekunden.\n\n"
            "Der schwingende Reiz regt das Bindegewebe an, seine Kollagenstruktur zu festigen. "
            "Die Faszien werden dadurch elastischer und fangen plötzliche Belastungen besser ab."
        ),
        "instructions_en": (
            "Stand upright with your feet about hip-width apart and your knees soft. Start bouncing "
            "lightly and rhythmically on the spot: your heels rise only a little and drop again "
            "straight away without fully leaving the floor; the balls of your feet always stay "
            "down. The movement is small, quick and elastic – more of a springy rebound than a "
            "jump.\n\n"
            "Let the gentle vibration travel softly through your legs, pelvis and back while your "
            "upper body stays loosely upright. One set lasts 30–60 seconds.\n\n"
            "The oscillating stimulus prompts the connective tissue to strengthen its collagen "
            "structure, so the fascia becomes more elastic and better at absorbing sudden loads."
        ),
        "cues_de": (
            "Leise und weich – je geräuschloser, desto besser.\n"
            "Knie und Hüfte bleiben locker, nicht durchgedrückt.\n"
            "Gleichmäßig weiteratmen.\n"
            "Klein beginnen und erst den Rhythmus finden."
        ),
        "cues_en": (
            "Quiet and soft – the less noise, the better.\n"
            "Knees and hips stay soft, never locked.\n"
            "Keep breathing evenly.\n"
            "Start small and find the rhythm first."
        ),
        "equipment_de": "Ohne Gerät; feste Schuhe oder eine Matte",
        "equipment_en": "None; supportive shoes or a mat",
        "safety_notes_de": (
            "Beginnen Sie erst, wenn die Übungen der Phasen 1 bis 3 beschwerdefrei gelingen und "
            "Ihre Therapeutin oder Ihr Therapeut Phase 4 freigegeben hat. Bleiben Sie unterhalb "
            "Ihrer persönlichen Schmerzgrenze; bei Schmerzen im Rücken, in Knien oder Füßen die "
            "Bewegung kleiner machen oder abbrechen. Bei akuten Gelenkbeschwerden, "
            "Beckenbodenschwäche oder ausgeprägter Osteoporose nur nach Rücksprache üben. "
            + STOP_DE
        ),
        "safety_notes_en": (
            "Only start once the exercises of phases 1 to 3 are free of symptoms and your "
            "therapist has cleared you for phase 4. Stay below your personal pain limit; if your "
            "back, knees or feet hurt, make the movement smaller or stop. With acute joint "
            "problems, pelvic floor weakness or marked osteoporosis, practise only after talking "
            "to your therapist. " + STOP_EN
        ),
    },
]

# (exercise, easier variant, harder variant)
VARIANTS = [
    ("segmentale-stabilisation", None, "plank-mtt"),
    ("plank-mtt", "segmentale-stabilisation", None),
]

HABITS = [
    {
        "slug": "sitzposition-wechseln",
        "order": 1,
        "times_per_day": 8,
        "name_de": "Sitzposition oft wechseln",
        "name_en": "Change your sitting position often",
        "description_de": (
            "Eine einzige richtige Sitzhaltung gibt es nicht – die beste Position ist immer die "
            "nächste. Wechseln Sie im Laufe des Tages immer wieder: anders sitzen, die Beine "
            "umstellen, kurz aufstehen, eine Weile am Stehpult arbeiten oder auf einem Sitzball "
            "sitzen. Jeder Wechsel verändert den Druck auf die Bandscheiben und wirkt wie eine "
            "kleine Pumpe, die sie mit Flüssigkeit versorgt. Haken Sie jeden bewussten Wechsel ab; "
            "Ziel sind etwa acht am Tag."
        ),
        "description_en": (
            "There is no single correct way to sit – the best position is always the next one. "
            "Keep changing throughout the day: sit differently, move your legs, stand up for a "
            "moment, work at a standing desk for a while or sit on an exercise ball. Every change "
            "shifts the pressure on your discs and acts like a small pump that supplies them with "
            "fluid. Tick off each deliberate change; aim for about eight a day."
        ),
    },
    {
        "slug": "hueftbeuger-dehnen",
        "order": 2,
        "times_per_day": 3,
        "name_de": "Hüftbeuger dehnen",
        "name_en": "Stretch your hip flexors",
        "description_de": (
            "Der Hüftbeuger (M. iliopsoas) setzt direkt an der Lendenwirbelsäule an. Langes Sitzen "
            "lässt ihn verkürzen; dann zieht er die Lendenwirbelsäule ins Hohlkreuz und erhöht den "
            "Druck auf die hinteren Anteile der Bandscheiben. Dehnen Sie ihn deshalb dreimal am "
            "Tag, zum Beispiel im Halbkniestand: ein Knie auf einer weichen Unterlage, das Becken "
            "leicht aufrichten und die Hüfte sanft nach vorne schieben, bis vorne in der Leiste "
            "des hinteren Beins eine Dehnung zu spüren ist. Etwa 30 Sekunden pro Seite halten, "
            "ruhig atmen, nicht ins Hohlkreuz ausweichen und unter der Schmerzgrenze bleiben."
        ),
        "description_en": (
            "The hip flexor (iliopsoas) attaches directly to the lumbar spine. Long sitting makes "
            "it shorten; it then pulls the lower back into a hollow and increases the pressure on "
            "the back of the discs. So stretch it three times a day, for example in a half-kneeling "
            "position: one knee on a soft surface, tuck your pelvis slightly under and ease your "
            "hips forward until you feel a stretch at the front of the groin of the back leg. Hold "
            "for about 30 seconds per side, breathe calmly, do not arch your lower back and stay "
            "below your pain limit."
        ),
    },
    {
        "slug": "stress-atmung",
        "order": 3,
        "times_per_day": 1,
        "name_de": "Stress abbauen: Atmung und Schlaf",
        "name_en": "Manage stress: breathing and sleep",
        "description_de": (
            "Faszien enthalten Zellen, die sich zusammenziehen können (Myofibroblasten) und auf "
            "Stresshormone wie Cortisol reagieren. Dauerstress hält das Bindegewebe am Rücken "
            "deshalb unter Spannung – unabhängig von den Muskeln. Nehmen Sie sich einmal am Tag "
            "einige Minuten für eine ruhige Atemübung, etwa fünf Minuten lang vier Sekunden durch "
            "die Nase ein- und sechs Sekunden langsam ausatmen, eine Hand auf dem Bauch. Sorgen Sie "
            "außerdem für ausreichend und regelmäßigen Schlaf; wer stark schnarcht oder trotz "
            "Schlaf ständig müde ist, sollte das ärztlich abklären lassen."
        ),
        "description_en": (
            "Fascia contains cells that can contract (myofibroblasts) and respond to stress "
            "hormones such as cortisol. Constant stress therefore keeps the connective tissue of "
            "the back under tension – independently of the muscles. Once a day, take a few minutes "
            "for a calm breathing exercise, for example five minutes of breathing in through the "
            "nose for four seconds and out slowly for six, one hand on your belly. Also make sure "
            "you get enough regular sleep; if you snore heavily or feel tired all the time despite "
            "sleeping, have it checked by a doctor."
        ),
    },
]

PROGRAM = {
    "slug": PROGRAM_SLUG,
    "name_de": "MASTER-Programm Rücken",
    "name_en": "MASTER back programme",
    "description_de": (
        "Medizinische Trainingstherapie bei Rückenschmerzen und Bandscheibenproblemen in vier "
        "aufeinander aufbauenden Phasen: Entlastung und Hydratation des Gewebes, Aktivierung der "
        "tiefen Stabilisatoren, funktionelle Kraft für den Alltag und schließlich Elastizität für "
        "plötzliche Belastungen. Jede Phase legt das Fundament für die nächste; die Belastung "
        "steigt erst, wenn dieses Fundament trägt, und über den Wechsel in die nächste Phase "
        "entscheidet die Therapeutin oder der Therapeut. Trainiert wird immer unterhalb der "
        "persönlichen Schmerzgrenze, damit das Nervensystem erfährt, dass Bewegung sicher ist. "
        "Drei tägliche Gewohnheiten – häufiger Positionswechsel, Dehnen der Hüftbeuger und "
        "Stressabbau – sichern den Erfolg im Alltag."
    ),
    "description_en": (
        "Medical training therapy for back pain and disc problems in four phases that build on "
        "each other: relieving and hydrating the tissue, activating the deep stabilisers, "
        "functional strength for everyday life and finally elasticity for sudden loads. Each "
        "phase lays the foundation for the next; load only increases once that foundation holds, "
        "and the therapist decides when a patient moves on. Training always stays below the "
        "personal pain limit so that the nervous system learns that movement is safe. Three "
        "daily habits – changing position often, stretching the hip flexors and managing stress "
        "– secure the progress in everyday life."
    ),
}

MIN_DAYS_PER_PHASE = 14


def load_master_programme(apps, schema_editor):
    Phase = apps.get_model("programs", "Phase")
    TrainingGoal = apps.get_model("programs", "TrainingGoal")
    Exercise = apps.get_model("programs", "Exercise")
    DailyHabit = apps.get_model("programs", "DailyHabit")
    Program = apps.get_model("programs", "Program")
    ProgramPhase = apps.get_model("programs", "ProgramPhase")
    ProgramExercise = apps.get_model("programs", "ProgramExercise")

    phases = {}
    for data in PHASES:
        fields = dict(data)
        number = fields.pop("number")
        phases[number], _ = Phase.objects.update_or_create(number=number, defaults=fields)

    goals = {}
    for data in GOALS:
        fields = dict(data)
        slug = fields.pop("slug")
        goals[slug], _ = TrainingGoal.objects.update_or_create(slug=slug, defaults=fields)

    exercises = {}
    for data in EXERCISES:
        fields = dict(data)
        slug = fields.pop("slug")
        fields["phase"] = phases[fields["phase"]]
        fields["goal"] = goals[fields["goal"]]
        exercises[slug], _ = Exercise.objects.update_or_create(slug=slug, defaults=fields)
    for slug, easier, harder in VARIANTS:
        exercise = exercises[slug]
        exercise.easier_variant = exercises[easier] if easier else None
        exercise.harder_variant = exercises[harder] if harder else None
        exercise.save(update_fields=["easier_variant", "harder_variant"])

    habits = []
    for data in HABITS:
        fields = dict(data)
        slug = fields.pop("slug")
        habit, _ = DailyHabit.objects.update_or_create(slug=slug, defaults=fields)
        habits.append(habit)

    fields = dict(PROGRAM)
    program, _ = Program.objects.update_or_create(slug=fields.pop("slug"), defaults=fields)
    for phase in phases.values():
        ProgramPhase.objects.update_or_create(
            program=program, phase=phase, defaults={"min_days": MIN_DAYS_PER_PHASE}
        )
    for exercise in exercises.values():
        goal = exercise.goal
        defaults = {field: getattr(goal, field) for field in DOSAGE_FIELDS}
        defaults.update(phase=exercise.phase, order=exercise.order)
        ProgramExercise.objects.update_or_create(
            program=program, exercise=exercise, defaults=defaults
        )
    program.habits.set(habits)


def unload_master_programme(apps, schema_editor):
    Phase = apps.get_model("programs", "Phase")
    TrainingGoal = apps.get_model("programs", "TrainingGoal")
    Exercise = apps.get_model("programs", "Exercise")
    DailyHabit = apps.get_model("programs", "DailyHabit")
    Program = apps.get_model("programs", "Program")

    # The programme's phases, exercises and habit links go with it (CASCADE).
    Program.objects.filter(slug=PROGRAM_SLUG).delete()
    exercise_slugs = [data["slug"] for data in EXERCISES]
    Exercise.objects.filter(slug__in=exercise_slugs).update(
        easier_variant=None, harder_variant=None
    )
    Exercise.objects.filter(slug__in=exercise_slugs).delete()
    TrainingGoal.objects.filter(slug__in=[data["slug"] for data in GOALS]).delete()
    Phase.objects.filter(slug__in=[data["slug"] for data in PHASES]).delete()
    DailyHabit.objects.filter(slug__in=[data["slug"] for data in HABITS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0001_catalogue"),
    ]

    operations = [
        migrations.RunPython(load_master_programme, unload_master_programme),
    ]
