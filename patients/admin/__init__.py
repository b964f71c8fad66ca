"""The therapist admin (docs/product.md, "Who can do what"): each therapist sees and changes
only their own patients and those patients' sessions, alerts, assignments and red flags; the
practice admin sees everything.

One module per screen: ``patient`` (the Patient admin) with ``patient_list`` (its columns and
filters) and ``patient_page`` (the patient page and its POST endpoints), ``clinical`` (alerts,
sessions, assignments, red flags); ``scoping`` holds the object-level rule they share (other apps
use it too), ``actions`` the phase and status changes, ``forms`` the input forms.
"""

from patients.admin import clinical, patient

__all__ = ["clinical", "patient"]
