"""The patient portal: today, the guided session, history, progress, habits, questionnaires.

One module per page; every view goes through ``access.patient_required`` and reads only through
``request.patient``, so another patient's data cannot be reached
(docs/product.md, "Who can do what").
"""
