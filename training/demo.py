"""Training in the demo organisation (docs/design.md §7): a general course drawn from the policy,
one course per external platform family, requirements, a current policy, sme.sales certified
and acknowledged, sme.rnd not. Idempotent: a second run changes nothing.

Certificates are earned through the real services (a passing attempt), so the demo shows the
same audit trail as real use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import Department, User
from channels_app.platforms import Platform
from training import services
from training.models import (
    Assignment,
    Certification,
    CertificationRequirement,
    Choice,
    Course,
    Lesson,
    Policy,
    PolicyAcknowledgement,
    Question,
)

# (question, kind, explanation, [(choice, correct), ...])
QuestionSpec = tuple[str, str, str, list[tuple[str, bool]]]

BASICS = {
    "title": "Social media basics",
    "summary": (
        "What everyone who speaks for the organisation needs to know: speak as a person, what "
        "never to post, when to hand a conversation to customer service, and what to do in a "
        "crisis. Required for every brand account."
    ),
    "lessons": [
        (
            "Speak as a person, not as a press release",
            """People follow people. Write the way you would explain your work to a curious
friend: short sentences, concrete facts, your own voice.

**Do**

- say what *you* did, saw or learned ("We shipped the offline mode today; I spent the week on
  sync conflicts");
- name the benefit for the reader, with a number when you have one;
- link to the source when you quote a result.

**Avoid** press-release language: *revolutionary*, *world-class*, *best-in-class*,
*game-changing*, *we are pleased to announce*. Reviewers will flag these words, and readers
skip them.

Every post is reviewed by the communications team before it goes out. They are your coach,
not your censor: answer their comments and the post gets better.""",
        ),
        (
            "What never to post",
            """Some things never go on a public account, however harmless they look:

1. **Confidential information**: unreleased products, prices, customer names, figures that
   have not been published, anything marked internal.
2. **Personal data** of customers or colleagues, including screenshots that show it.
3. **Forward-looking statements** about financial results: only the investor relations team
   speaks about them, and the legal review stage is switched on automatically.
4. **Health or safety claims** that are not backed by a published study.
5. **Opinions on competitors**, politics or religion on behalf of the organisation.

Sponsored or paid content must say so (#ad, "paid partnership"). When in doubt, ask your
reviewer *before* drafting.""",
        ),
        (
            "When to hand over to customer service",
            """A reply on social media is public. When someone complains, asks about an order,
or shares details of their account:

- thank them and **move the conversation to customer service** (link to the support page or
  ask them to send a direct message to the support account);
- never ask for or repeat personal details in public;
- never promise refunds, dates or fixes that you cannot confirm.

One public reply is enough. Arguing in the thread helps nobody.""",
        ),
        (
            "Crisis rules",
            """In a crisis (an outage, an accident, a security incident, a story about the
organisation in the news) the communications team may **pause all publishing**. While a pause
is on, scheduled posts are held and nobody can publish.

During a crisis:

- do not comment on the event, even on your personal accounts, until the official statement
  is out;
- share the official statement rather than writing your own;
- send journalists' questions to the press office.

When the pause is lifted, check your scheduled posts: a cheerful post written last week may
read badly now.""",
        ),
    ],
    "questions": [
        (
            "Which opening is best for a post about your team's new feature?",
            "single",
            "Readers respond to a person telling what they did and why it matters; the other "
            "two openings are press-release language that reviewers flag.",
            [
                ("We are pleased to announce a revolutionary new feature.", False),
                ("I spent the week on sync conflicts: offline mode ships today.", True),
                ("Our world-class team delivers best-in-class innovation.", False),
            ],
        ),
        (
            "Which of these must never be posted on a brand account? (Choose every one.)",
            "multiple",
            "Unpublished figures and customers' personal data are confidential; a link to a "
            "published study is fine.",
            [
                ("Next quarter's revenue forecast", True),
                ("A screenshot showing a customer's e-mail address", True),
                ("A link to our published research paper", False),
            ],
        ),
        (
            "A customer complains publicly about a late order. What do you do?",
            "single",
            "Thank them once and move the conversation to customer service: order details never "
            "belong in a public thread.",
            [
                ("Ask for their order number in the public thread", False),
                ("Thank them and point them to customer service", True),
                ("Promise a refund by Friday", False),
            ],
        ),
        (
            "Publishing is paused for a crisis. What is right? (Choose every one.)",
            "multiple",
            "During a pause scheduled posts are held; share the official statement and send "
            "journalists to the press office. Commenting yourself is not allowed.",
            [
                ("Share the official statement once it is out", True),
                ("Send journalists' questions to the press office", True),
                ("Post your own explanation of the incident", False),
            ],
        ),
        (
            "A partner paid for a post you are drafting. What must it say?",
            "single",
            "Sponsored content must be disclosed; content guidance blocks it otherwise.",
            [
                ("Nothing: it is our account", False),
                ("That it is paid, e.g. #ad or 'paid partnership'", True),
            ],
        ),
    ],
    "requirements": [""],  # every brand account
}

PLATFORM_COURSES: list[dict[str, Any]] = [
    {
        "title": "Posting on Mastodon and Bluesky",
        "summary": "The fediverse and the AT Protocol: communities, content warnings, alt text.",
        "platforms": [Platform.MASTODON, Platform.BLUESKY],
        "lessons": [
            (
                "How these networks work",
                """Mastodon is a federation of independent servers; Bluesky runs on the open AT
Protocol. There is no algorithm pushing posts: people see what the accounts they follow post,
and boosts/reposts spread it.

- Mastodon counts **500 characters** by default (an instance may allow more).
- Bluesky counts **300 graphemes**: an emoji with a skin tone counts once.
- Hashtags are how people find posts: use one or two, in CamelCase (#OpenSource) so screen
  readers pronounce them.""",
            ),
            (
                "Good manners",
                """Describe every image with **alt text**: many readers rely on it and some
servers hide images without it. Use a **content warning** for topics a reader may not want to
see in their feed. Do not automate replies.""",
            ),
        ],
        "questions": [
            (
                "How long may a post on Bluesky be?",
                "single",
                "Bluesky counts 300 graphemes (what a person sees as one character).",
                [("280 characters", False), ("300 graphemes", True), ("500 characters", False)],
            ),
            (
                "What do readers on these networks expect? (Choose every one.)",
                "multiple",
                "Alt text and CamelCase hashtags make posts accessible; automated replies are "
                "considered rude.",
                [
                    ("Alt text on images", True),
                    ("Hashtags written in CamelCase", True),
                    ("Automated replies to every mention", False),
                ],
            ),
        ],
    },
    {
        "title": "Posting on LinkedIn",
        "summary": "A professional network: expertise, hiring, customer stories.",
        "platforms": [Platform.LINKEDIN],
        "lessons": [
            (
                "What works on LinkedIn",
                """LinkedIn readers come for expertise. Posts of up to **3,000 characters** are
allowed, but the first two lines decide whether anyone clicks *see more*: put the point
there.

Customer stories need the customer's written consent. Job posts go through HR.""",
            ),
        ],
        "questions": [
            (
                "Where does the key point of a LinkedIn post belong?",
                "single",
                "Only the first lines show before 'see more'.",
                [("In the first two lines", True), ("In the last paragraph", False)],
            ),
            (
                "You want to post a customer success story. What do you need first?",
                "single",
                "A customer's name and story are theirs: get written consent first.",
                [("The customer's written consent", True), ("Nothing, it is positive", False)],
            ),
        ],
    },
    {
        "title": "Posting on X",
        "summary": "Short, fast and public: the weighted 280-character limit and replies.",
        "platforms": [Platform.X],
        "lessons": [
            (
                "Counting and threads",
                """X allows **280 weighted characters**: every link counts as 23, and some
characters (CJK, most emoji) count as two. The editor shows the count as X computes it.

A long story becomes a **thread**; every post in it is reviewed. Quote posts and replies are
public statements of the organisation, just like posts.""",
            ),
        ],
        "questions": [
            (
                "How much of the 280-character limit does a link use on X?",
                "single",
                "X shortens every link and counts it as 23 characters, whatever its length.",
                [("Its real length", False), ("23 characters", True), ("Nothing", False)],
            ),
            (
                "Which of these are public statements of the organisation? (Choose every one.)",
                "multiple",
                "Replies and quote posts are as public as any post.",
                [("A reply", True), ("A quote post", True)],
            ),
        ],
    },
    {
        "title": "Posting on Facebook",
        "summary": "Pages, comments and community moderation.",
        "platforms": [Platform.FACEBOOK],
        "lessons": [
            (
                "Pages and comments",
                """A Facebook Page post can be long, but readers scroll fast: lead with a
picture that carries the message, and describe it in the text too.

Comments are where the community talks back. Answer questions, move complaints to customer
service, and never delete criticism just because it is critical; remove only abuse, spam and
personal data (the moderation rules on the intranet say how).""",
            ),
        ],
        "questions": [
            (
                "Which comments may you remove from the Page?",
                "multiple",
                "Abuse and spam go; fair criticism stays and gets an answer.",
                [("Abuse", True), ("Spam", True), ("Fair criticism", False)],
            ),
        ],
    },
]

POLICY_V1: dict[str, Any] = {
    "title": "Social media policy",
    "effective_at": datetime(2026, 1, 1, tzinfo=UTC),
    "body": """## Why this policy

Our people know our work best. This policy lets you speak for the organisation on its brand
accounts with confidence, and protects you, our customers and the organisation while you do.

## Who may post

Anyone in a department with access to a brand account may **draft**. To **submit** a draft
for review you must hold the certificates the account requires and have acknowledged the
current version of this policy. Every post is reviewed by the communications team; some are
also reviewed by legal.

## How we speak

- As people, in plain words, about what we know first-hand.
- No press-release superlatives, no attacks on competitors, no politics.
- Paid or sponsored content is always disclosed.

## What never to post

Confidential or unpublished information, personal data, forward-looking financial
statements, unsupported health or safety claims.

## Conversations and crises

Move complaints and account questions to customer service. In a crisis the communications
team may pause all publishing; share only the official statement.

## Breaches

A breach can lead to revoking your certificates and access to brand accounts. Ask your
reviewer whenever you are unsure: asking is always right.""",
}


def _course(spec: dict[str, Any]) -> Course:
    course = Course.objects.filter(title=spec["title"]).first()
    if course is None:
        course = Course.objects.create(
            title=spec["title"], summary=spec["summary"], pass_mark=80, validity_days=365
        )
        for order, (title, body) in enumerate(spec["lessons"], start=1):
            Lesson.objects.create(course=course, order=order, title=title, body=body)
        questions: list[QuestionSpec] = spec["questions"]
        for order, (text, kind, explanation, choices) in enumerate(questions, start=1):
            question = Question.objects.create(
                course=course, order=order, text=text, kind=kind, explanation=explanation
            )
            for number, (choice_text, correct) in enumerate(choices, start=1):
                Choice.objects.create(
                    question=question, order=number, text=choice_text, is_correct=correct
                )
    if not course.is_published:
        services.course_publish(actor=None, course=course)
    for platform in spec.get("platforms", spec.get("requirements", [])):
        if not CertificationRequirement.objects.filter(
            course=course, platform=platform, brand_account=None
        ).exists():
            services.requirement_save(
                actor=None,
                requirement=CertificationRequirement(course=course, platform=platform),
            )
    return course


def _pass(user: User, course: Course) -> None:
    """Earn the certificate the real way: a quiz with every answer right."""
    if Certification.objects.valid_at(timezone.now()).filter(user=user, course=course).exists():
        return
    answers = {
        str(q.pk): [c.pk for c in q.choices.all() if c.is_correct]
        for q in course.questions.prefetch_related("choices")
    }
    services.attempt_take(actor=user, course=course, answers=answers)


def seed_training() -> None:
    courses = [_course(BASICS)] + [_course(spec) for spec in PLATFORM_COURSES]

    policy = Policy.objects.filter(version=1).first()
    if policy is None:
        policy = services.policy_create(
            actor=None,
            title=POLICY_V1["title"],
            body=POLICY_V1["body"],
            effective_at=POLICY_V1["effective_at"],
        )
    if not policy.is_published:
        services.policy_publish(actor=None, policy=policy)

    sales_sme = User.objects.get(email=demo_email("sme.sales"))
    # Sales drafts on its internal account and on every external one: it needs every course.
    for course in courses:
        _pass(sales_sme, course)
    if not PolicyAcknowledgement.objects.filter(user=sales_sme, policy=policy).exists():
        services.policy_acknowledge(actor=sales_sme, policy=policy)

    # sme.rnd is not certified; HR has assigned the basics to R&D, due in two weeks.
    hr = User.objects.get(email=demo_email("hr"))
    rnd = Department.objects.get(slug="rnd")
    basics = courses[0]
    if not Assignment.objects.filter(course=basics, department=rnd, cancelled_at=None).exists():
        services.assignment_create(
            actor=hr,
            course=basics,
            department=rnd,
            due_on=timezone.localdate() + timedelta(days=14),
            note="Everyone in R&D who wants to post needs this first.",
        )
