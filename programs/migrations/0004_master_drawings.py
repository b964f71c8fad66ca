"""The project's own line drawings (start and end position) of the seven MASTER exercises,
registered as media items so a fresh database shows a picture for every exercise without an upload.

The drawings are static files (static/programs/exercises/<slug>-start.svg and -end.svg, drawn for
this project); the alt texts describe each pose in German and English. A drawing whose file is
missing is left out.
"""

from pathlib import Path

from django.conf import settings
from django.db import migrations

FOLDER = "programs/exercises"
WIDTH, HEIGHT = 320, 200  # the drawings' viewBox
ROLES = {"start": ("start_position", 1), "end": ("end_position", 2)}

# (exercise slug, pose, alt text German, alt text English)
DRAWINGS = [   (   'lws-release-doppelball',
        'start',
        'Rückenlage auf der Matte, Knie angewinkelt, Füße hüftbreit aufgestellt. Der Doppelball '
        'liegt unter dem unteren Rücken, je ein Ball links und rechts neben der Wirbelsäule; das '
        'Becken sinkt schwer auf die Bälle.',
        'Lying on your back on a mat, knees bent, feet hip-width apart on the floor. The double '
        'ball lies under the lower back, one ball on each side of the spine; the pelvis sinks '
        'heavily onto the balls.'),
    (   'lws-release-doppelball',
        'end',
        'Dieselbe Rückenlage: Das Becken ist langsam zu einer Seite verlagert, die Knie kippen '
        'leicht mit, sodass der Druck über die Muskeln neben der Wirbelsäule wandert. Danach '
        'ebenso zur anderen Seite.',
        'The same position on your back: the pelvis has shifted slowly to one side and the knees '
        'tip slightly with it, so the pressure moves across the muscles beside the spine. Then '
        'the same to the other side.'),
    (   'passive-extension-faszienrolle',
        'start',
        'Sitz auf der Matte, Knie angewinkelt, Füße am Boden. Die Hände stützen hinter dem '
        'Körper, die Faszienrolle liegt quer hinter dem Rücken.',
        'Sitting on the mat, knees bent, feet on the floor. The hands support you behind your '
        'body; the foam roller lies crosswise behind your back.'),
    (   'passive-extension-faszienrolle',
        'end',
        'Zurückgelehnt über die Rolle: Sie liegt quer unter dem mittleren Rücken, nicht unter '
        'dem Hohlkreuz. Gesäß und Füße bleiben am Boden, Kopf und Arme sinken entspannt nach '
        'hinten und zur Seite.',
        'Leaning back over the roller: it lies across the mid back, not under the hollow of the '
        'lower back. Buttocks and feet stay on the floor; head and arms sink back and to the '
        'sides, relaxed.'),
    (   'segmentale-stabilisation',
        'start',
        'Rückenlage, Knie angewinkelt, Füße flach auf dem Boden. Das Becken liegt entspannt in '
        'der Mitte, die Fingerspitzen liegen innen neben den vorderen Beckenknochen.',
        'Lying on your back, knees bent, feet flat on the floor. The pelvis rests in a relaxed '
        'middle position; the fingertips lie just inside the bony points at the front of the '
        'pelvis.'),
    (   'segmentale-stabilisation',
        'end',
        'Gleiche Lage: Der Unterbauch wird ganz leicht nach innen gezogen, wie beim Schließen '
        'einer engeren Hose. Becken, Rippen und Rücken bewegen sich nicht, die Atmung fließt '
        'weiter.',
        'The same position: the lower belly is drawn in very slightly, as if fastening tighter '
        'trousers. Pelvis, ribs and back do not move, and breathing carries on.'),
    (   'plank-mtt',
        'start',
        'Unterarmstütz: Ellenbogen unter den Schultern, Unterarme am Boden, Beine gestreckt auf '
        'den Zehen. Der Körper bildet eine gerade Linie vom Kopf bis zu den Fersen, der Blick '
        'geht zum Boden.',
        'Forearm plank: elbows under the shoulders, forearms on the floor, legs straight on the '
        'toes. The body forms a straight line from head to heels, eyes looking at the floor.'),
    (   'plank-mtt',
        'end',
        'Gleiche Stützposition: Ellenbogen und Zehenspitzen ziehen kräftig zueinander (Pfeile), '
        'ohne sich auf dem Boden zu verschieben. Der Rücken bleibt lang und hängt nicht durch.',
        'The same plank: elbows and toes pull firmly towards each other (arrows) without sliding '
        'on the floor. The back stays long and does not sag.'),
    (   'rumaenisches-kreuzheben',
        'start',
        'Aufrechter Stand, Füße hüftbreit, Knie leicht gebeugt. Die Hände liegen vorne auf den '
        'Oberschenkeln.',
        'Standing upright, feet hip-width apart, knees slightly bent. The hands rest on the '
        'front of the thighs.'),
    (   'rumaenisches-kreuzheben',
        'end',
        'Das Gesäß ist weit nach hinten geschoben, der Oberkörper nach vorne geneigt, der Rücken '
        'bleibt gerade wie ein Brett. Die Knie sind weiter leicht gebeugt, die Arme hängen nah '
        'vor den Beinen.',
        'The bottom is pushed far back and the upper body tilts forward while the back stays '
        'straight as a board. The knees are still slightly bent; the arms hang close in front of '
        'the legs.'),
    (   'einbeinstand-rotation',
        'start',
        'Aufrechter Stand auf einem Bein neben einer Stuhllehne zum Festhalten, der andere Fuß '
        'knapp über dem Boden. Die Arme sind vor der Brust verschränkt.',
        'Standing upright on one leg next to the back of a chair to hold on to, the other foot '
        'just off the floor. The arms are crossed over the chest.'),
    (   'einbeinstand-rotation',
        'end',
        'Weiter auf einem Bein: Der Oberkörper ist langsam zu einer Seite gedreht, das Becken '
        'zeigt weiter nach vorne. Danach zur anderen Seite drehen.',
        'Still on one leg: the upper body has turned slowly to one side while the pelvis keeps '
        'facing forward. Then turn to the other side.'),
    (   'reaktives-federn',
        'start',
        'Aufrechter, lockerer Stand, Füße etwa hüftbreit und flach am Boden, Knie weich.',
        'Standing upright and relaxed, feet about hip-width apart and flat on the floor, knees '
        'soft.'),
    (   'reaktives-federn',
        'end',
        'Die Fersen heben sich nur ein wenig vom Boden, die Fußballen bleiben unten; der Körper '
        'federt leicht und leise auf und ab.',
        'The heels lift only a little off the floor while the balls of the feet stay down; the '
        'body bounces lightly and quietly up and down.')]


def _exists(static_path):
    return any((Path(folder) / static_path).is_file() for folder in settings.STATICFILES_DIRS)


def register(apps, schema_editor):
    Exercise = apps.get_model("programs", "Exercise")
    ExerciseMedia = apps.get_model("programs", "ExerciseMedia")
    exercises = Exercise.objects.in_bulk([row[0] for row in DRAWINGS], field_name="slug")
    for slug, pose, alt_de, alt_en in DRAWINGS:
        static_path = f"{FOLDER}/{slug}-{pose}.svg"
        exercise = exercises.get(slug)
        if exercise is None or not _exists(static_path):
            continue
        role, order = ROLES[pose]
        ExerciseMedia.objects.update_or_create(
            exercise=exercise,
            static_path=static_path,
            defaults={
                "kind": "image",
                "role": role,
                "order": order,
                "alt_de": alt_de,
                "alt_en": alt_en,
                "width": WIDTH,
                "height": HEIGHT,
            },
        )


def unregister(apps, schema_editor):
    apps.get_model("programs", "ExerciseMedia").objects.filter(
        static_path__startswith=f"{FOLDER}/"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_exercise_media")]

    operations = [migrations.RunPython(register, unregister)]
