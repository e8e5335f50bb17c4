"""Reads for training and certification, always scoped to what the caller may see.

Who sees whose training: everyone their own; managers the people of the departments they
manage; HR and org admins everyone. A person outside the caller's scope answers 404.

One module per topic, re-exported here: courses (courses, quizzes and attempts), my_training
(a person's own training and profile), policy, oversight (whose training the caller may follow),
matrix (the certification matrix and department coverage) and reminders (what is due a reminder).
"""

from __future__ import annotations

from training.selectors.courses import (
    attempt_list,
    course_content,
    course_list,
    my_certification_map,
    status_of,
)
from training.selectors.matrix import (
    STATUS_FILTERS,
    CertificationLine,
    DepartmentCoverage,
    MatrixFilters,
    MatrixRow,
    certification_lines,
    department_coverage,
    matrix_courses,
    matrix_people,
    matrix_rows,
    parse_matrix_filters,
)
from training.selectors.my_training import (
    CourseRow,
    MyTraining,
    assignments_for_person,
    home_training,
    my_training,
    training_profile,
)
from training.selectors.oversight import (
    assignment_list,
    certification_list,
    departments_visible,
    people_visible,
)
from training.selectors.policy import (
    policy_acknowledgement,
    policy_current,
    policy_upcoming,
)
from training.selectors.reminders import certification_ids_expiring, overdue_assignment_pairs

__all__ = [
    "STATUS_FILTERS",
    "CertificationLine",
    "CourseRow",
    "DepartmentCoverage",
    "MatrixFilters",
    "MatrixRow",
    "MyTraining",
    "assignment_list",
    "assignments_for_person",
    "attempt_list",
    "certification_ids_expiring",
    "certification_lines",
    "certification_list",
    "course_content",
    "course_list",
    "department_coverage",
    "departments_visible",
    "home_training",
    "matrix_courses",
    "matrix_people",
    "matrix_rows",
    "my_certification_map",
    "my_training",
    "overdue_assignment_pairs",
    "parse_matrix_filters",
    "people_visible",
    "policy_acknowledgement",
    "policy_current",
    "policy_upcoming",
    "status_of",
    "training_profile",
]
