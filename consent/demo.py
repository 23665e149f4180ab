"""Demo consent forms: what came of the Lebanon plan's challenge 2, "Informed consent about
sharing and different types of sharing and recipients".

The action point "Build comprehensive consent form drafts and guidelines on which to choose
depending on survey/activities" is led by Fanette (UNHCR), Fred (NRC) advising; the plan's journal
says Fanette drafted a form for household surveys and one for focus group discussions, and Fred
suggested an oral-consent script for phone surveys and a line on who the data may be shared with.
So, for UNHCR:

- Fanette is an editor of UNHCR, Fred of NRC (an admin stays an admin: nobody is demoted);
- a clause library in English, French and Arabic, one clause per element of informed consent
  (ICRC Handbook on Data Protection in Humanitarian Action, §2.10.2), most of them shared with
  every organisation; Fred's oral-consent script and a child-assent clause are still unpublished;
- "Household survey consent (VASyR)": complete, sharing statistics with UN agencies and
  anonymised records with the NRC, published as version 1 by Fanette;
- "Focus group discussion consent": a draft that still lacks the withdrawal clause, so the
  builder shows what is missing.

Loading again changes nothing: clauses are keyed on (organisation, title), forms on
(organisation, title); they are only created, never overwritten, so what someone did in the demo
is kept. A form's clauses and sharing plan are only added to a form that has none, and a form that
has a version is never published again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pim.models import Membership, Organisation, User
from pim.vocabulary import MatrixCategory

from . import services
from .models import Clause, ConsentForm, FormClause, SharingLine
from .vocabulary import LANGUAGES, Activity, Element, Recording, SharingType

E = Element
OWNER = "UNHCR"  # Fanette's organisation: it owns the library and the forms
AUTHOR = "fanette"
EDITORS = [("fanette", "UNHCR"), ("fred", "NRC")]  # (username, acronym)

# How to reach the controller, said the same way in every clause that needs it.
CONTACT = {
    "en": (
        "If you have a question or a complaint, you can reach us at any time by e-mail at "
        "protection.lebanon@example.org or on our free hotline, 1234, Monday to Friday from "
        "8 am to 5 pm."
    ),
    "fr": (
        "Pour toute question ou réclamation, vous pouvez nous joindre à tout moment par courriel "
        "à protection.lebanon@example.org ou sur notre ligne d'assistance gratuite, le 1234, du "
        "lundi au vendredi de 8 h à 17 h."
    ),
    "ar": (
        "إذا كان لديك أي سؤال أو شكوى، يمكنك التواصل معنا في أي وقت عبر البريد الإلكتروني "
        "protection.lebanon@example.org أو على خطنا الساخن المجاني 1234، من الاثنين إلى "
        "الجمعة، من الساعة 8 صباحًا حتى 5 مساءً."
    ),
}


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClauseSpec:
    element: str
    title: str
    en: str
    fr: str
    ar: str
    published: bool = True

    def texts(self, prefix: str = "text") -> dict[str, str]:
        return {f"{prefix}_{language}": getattr(self, language) for language in LANGUAGES}


@dataclass(frozen=True)
class Share:
    types: tuple[str, ...]
    kind: str = ""  # a kind of organisation (Organisation.Kind), or
    recipient: str = ""  # the acronym of a named demo organisation


@dataclass(frozen=True)
class FormSpec:
    title: str
    activity: str
    category: str
    recording: str
    clauses: tuple[str, ...]  # clause titles, in order
    sharing: tuple[Share, ...] = ()
    children: bool = False
    sensitive_data: bool = False
    retention: str = ""
    publish: bool = False
    # This form's own wording of a clause: {clause title: ClauseSpec holding the words}
    overrides: dict[str, ClauseSpec] = field(default_factory=dict)


# --- The clause library (UNHCR's) ------------------------------------------------------------

CONTROLLER = ClauseSpec(
    E.CONTROLLER,
    "Who we are: UNHCR Lebanon and the IMWG",
    "This survey is run by UNHCR Lebanon with its partners in the Information Management Working "
    "Group (IMWG). " + CONTACT["en"],
    "Cette enquête est menée par le HCR (UNHCR) au Liban avec ses partenaires du groupe de "
    "travail sur la gestion de l'information (IMWG). " + CONTACT["fr"],
    "تُجري هذا المسح المفوضيةُ السامية للأمم المتحدة لشؤون اللاجئين (UNHCR) في لبنان بالتعاون "
    "مع شركائها في مجموعة العمل المعنية بإدارة المعلومات (IMWG). " + CONTACT["ar"],
)
PURPOSE_SURVEY = ClauseSpec(
    E.PURPOSE,
    "Purpose: household survey (VASyR)",
    "We would like to ask about your household: who lives with you, your income and expenses, "
    "food, shelter, health and schooling. Your answers help the organisations working in "
    "Lebanon decide who needs which assistance next year (the Vulnerability Assessment of Syrian "
    "Refugees, VASyR). The interview takes about 45 minutes. Taking part does not give you "
    "assistance directly, and some questions may bring back difficult memories: you may skip "
    "any question.",
    "Nous aimerions vous poser des questions sur votre ménage : qui vit avec vous, vos revenus "
    "et vos dépenses, l'alimentation, le logement, la santé et la scolarité. Vos réponses aident "
    "les organisations présentes au Liban à décider qui a besoin de quelle aide l'an prochain "
    "(l'évaluation de la vulnérabilité des réfugiés syriens, VASyR). L'entretien dure environ "
    "45 minutes. Y participer ne vous donne pas directement droit à une aide, et certaines "
    "questions peuvent raviver des souvenirs difficiles : vous pouvez passer n'importe quelle "
    "question.",
    "نودّ أن نطرح عليك أسئلة عن أسرتك: مَن يعيش معك، ودخلك ومصاريفك، والغذاء والمأوى والصحة "
    "والتعليم. تساعد إجاباتك المنظمات العاملة في لبنان على تحديد من يحتاج إلى أي نوع من "
    "المساعدة في العام المقبل (تقييم جوانب الضعف لدى اللاجئين السوريين، VASyR). تستغرق "
    "المقابلة نحو 45 دقيقة. المشاركة لا تمنحك مساعدة بشكل مباشر، وقد تُذكّرك بعض الأسئلة "
    "بأمور صعبة: يمكنك تخطّي أي سؤال.",
)
PURPOSE_GROUP = ClauseSpec(
    E.PURPOSE,
    "Purpose: focus group discussion",
    "We are meeting a small group of people from your community to talk about the safety "
    "concerns you face and the services you can or cannot reach. We will not ask about your own "
    "situation. What the group says helps organisations adapt their protection programmes. The "
    "discussion takes about an hour and a half.",
    "Nous réunissons un petit groupe de personnes de votre communauté pour parler des problèmes "
    "de sécurité que vous rencontrez et des services auxquels vous avez accès ou non. Nous ne "
    "vous poserons pas de questions sur votre situation personnelle. Ce que dit le groupe aide "
    "les organisations à adapter leurs programmes de protection. La discussion dure environ une "
    "heure et demie.",
    "نلتقي بمجموعة صغيرة من أفراد مجتمعك للحديث عن المخاوف المتعلقة بالسلامة التي تواجهونها، "
    "وعن الخدمات التي تستطيعون أو لا تستطيعون الوصول إليها. لن نسألك عن وضعك الشخصي. يساعد ما "
    "تقوله المجموعة المنظماتِ على تكييف برامج الحماية التي تقدّمها. تستغرق المناقشة نحو ساعة "
    "ونصف.",
)
VOLUNTARY = ClauseSpec(
    E.VOLUNTARY,
    "Taking part is voluntary",
    "Taking part is your choice. If you say no, or stop answering, nothing changes to the "
    "assistance or services you receive from UNHCR or from any other organisation. You do not "
    "have to give a reason.",
    "Participer est votre choix. Si vous refusez, ou si vous arrêtez de répondre, rien ne change "
    "à l'aide ou aux services que vous recevez du HCR ou de toute autre organisation. Vous "
    "n'avez pas à vous justifier.",
    "المشاركة اختيارية تمامًا. إذا رفضت أو توقفت عن الإجابة، فلن يتغير شيء في المساعدة أو "
    "الخدمات التي تتلقاها من المفوضية أو من أي منظمة أخرى. ولست مضطرًا إلى ذكر السبب.",
)
WITHDRAWAL = ClauseSpec(
    E.WITHDRAWAL,
    "Changing your mind",
    "You can change your mind at any time, during or after the interview. Tell the interviewer, "
    "or call the hotline or write to us: we will delete the answers that can still be linked to "
    "you. Answers already combined into statistics cannot be taken out, but they no longer say "
    "anything about you.",
    "Vous pouvez changer d'avis à tout moment, pendant ou après l'entretien. Dites-le à "
    "l'enquêteur, ou appelez la ligne d'assistance ou écrivez-nous : nous effacerons les "
    "réponses qui peuvent encore être reliées à vous. Les réponses déjà regroupées dans des "
    "statistiques ne peuvent plus en être retirées, mais elles ne disent plus rien de vous.",
    "يمكنك أن تغيّر رأيك في أي وقت، أثناء المقابلة أو بعدها. أخبر الباحث الميداني، أو اتصل "
    "بالخط الساخن أو راسلنا، وسنحذف الإجابات التي لا يزال من الممكن ربطها بك. أما الإجابات "
    "التي أُدمجت في الإحصاءات فلا يمكن سحبها، لكنها لم تعد تكشف شيئًا عنك.",
)
RIGHTS = ClauseSpec(
    E.RIGHTS,
    "Your rights",
    "You can ask to see the information we hold about you, to have it corrected or deleted, and "
    "you can object to its use. Call the hotline or write to us; we answer within 30 days. We "
    "may have to keep some information when the law or your own safety requires it; if so, we "
    "will tell you why.",
    "Vous pouvez demander à voir les informations que nous détenons sur vous, à les faire "
    "corriger ou effacer, et vous pouvez vous opposer à leur utilisation. Appelez la ligne "
    "d'assistance ou écrivez-nous ; nous répondons sous 30 jours. Il se peut que nous devions "
    "garder certaines informations lorsque la loi ou votre propre sécurité l'exige ; nous vous "
    "dirons alors pourquoi.",
    "يحق لك أن تطلب الاطلاع على المعلومات التي نحتفظ بها عنك، أو تصحيحها أو حذفها، كما يحق "
    "لك الاعتراض على استخدامها. اتصل بالخط الساخن أو راسلنا، وسنرد عليك خلال 30 يومًا. قد "
    "نضطر إلى الاحتفاظ ببعض المعلومات إذا اقتضى القانون أو سلامتك ذلك، وفي هذه الحالة سنخبرك "
    "بالسبب.",
)
RETENTION = ClauseSpec(
    E.RETENTION,
    "Keeping data: two years after the 2019 cycle",
    "We keep your answers for two years after the end of the 2019 programme cycle, then we "
    "delete them. Details that could identify you, such as your name or phone number, are kept "
    "apart from your answers and deleted as soon as the answers have been checked. If you tell "
    "us something is wrong, we correct it.",
    "Nous conservons vos réponses pendant deux ans après la fin du cycle de programme 2019, puis "
    "nous les effaçons. Les informations qui pourraient vous identifier, comme votre nom ou "
    "votre numéro de téléphone, sont conservées à part et effacées dès que les réponses ont été "
    "vérifiées. Si vous nous signalez une erreur, nous la corrigeons.",
    "نحتفظ بإجاباتك لمدة سنتين بعد انتهاء دورة برنامج عام 2019، ثم نحذفها. أما المعلومات "
    "التي قد تكشف هويتك، مثل اسمك أو رقم هاتفك، فتُحفظ بشكل منفصل عن إجاباتك وتُحذف فور "
    "التحقق منها. وإذا أبلغتنا بوجود خطأ، نقوم بتصحيحه.",
)
SECURITY = ClauseSpec(
    E.SECURITY,
    "How we keep data safe",
    "Answers and notes are typed on password-protected tablets and sent encrypted to UNHCR's "
    "servers; nothing is kept on paper. Only the staff who analyse them can open them, and each "
    "of them has signed a confidentiality commitment.",
    "Les réponses et les notes sont saisies sur des tablettes protégées par un mot de passe et "
    "envoyées chiffrées aux serveurs du HCR ; rien n'est conservé sur papier. Seul le personnel "
    "chargé de l'analyse peut les ouvrir, et chacun a signé un engagement de confidentialité.",
    "تُسجَّل الإجابات والملاحظات على أجهزة لوحية محمية بكلمة مرور، وتُرسَل مشفّرة إلى خوادم "
    "المفوضية، ولا يُحتفَظ بأي شيء على الورق. ولا يطّلع عليها إلا الموظفون الذين يحللونها، "
    "وقد وقّع كل منهم على تعهّد بالحفاظ على السرية.",
)
# Names every recipient of the VASyR sharing plan: the kind "UN agency" as the site translates it
# (see consent.completeness), and the NRC by its name and acronym.
RECIPIENTS = ClauseSpec(
    E.RECIPIENTS,
    "Who we share with (VASyR)",
    "We share what we learn with the humanitarian organisations that plan assistance in "
    "Lebanon: any UN agency working in the refugee response receives statistics, and the "
    "Norwegian Refugee Council (NRC) receives anonymised records to plan its shelter and legal "
    "aid programmes. We do not share your answers with the authorities, nor with anyone not "
    "named here.",
    "Nous partageons ce que nous apprenons avec les organisations humanitaires qui planifient "
    "l'aide au Liban : toute agence des Nations Unies travaillant dans la réponse aux réfugiés "
    "reçoit des statistiques, et le Conseil norvégien pour les réfugiés (NRC) reçoit des fiches "
    "anonymisées pour planifier ses programmes d'abri et d'assistance juridique. Nous ne "
    "partageons vos réponses ni avec les autorités, ni avec personne d'autre que ceux nommés ici.",
    "نشارك ما نتوصل إليه مع المنظمات الإنسانية التي تخطط للمساعدات في لبنان: تتلقى أي وكالة "
    "تابعة للأمم المتحدة تعمل في الاستجابة للاجئين إحصاءاتٍ، ويتلقى المجلس النرويجي للاجئين "
    "(NRC) سجلاتٍ مجهولة الهوية ليخطط لبرامجه في مجال المأوى والمساعدة القانونية. ولا نشارك "
    "إجاباتك مع السلطات ولا مع أي جهة أخرى غير المذكورة هنا.",
)
SHARING_TYPES = ClauseSpec(
    E.SHARING_TYPES,
    "Statistics and anonymised records",
    "Statistics only give totals and percentages, for example how many households in a district "
    "are in debt; no one can be recognised in them. Anonymised records are single answers from "
    "which your name, phone number, address and any other detail that could point to you have "
    "been removed. Nobody receives a list with your name on it.",
    "Les statistiques ne donnent que des totaux et des pourcentages, par exemple combien de "
    "ménages d'un district sont endettés ; personne ne peut y être reconnu. Les fiches "
    "anonymisées sont des réponses individuelles dont on a retiré votre nom, votre numéro de "
    "téléphone, votre adresse et tout autre détail qui pourrait vous désigner. Personne ne "
    "reçoit de liste portant votre nom.",
    "لا تتضمن الإحصاءات سوى مجاميع ونسب مئوية، مثل عدد الأسر المدينة في قضاء ما، ولا يمكن "
    "التعرّف على أي شخص من خلالها. أما السجلات مجهولة الهوية فهي إجابات فردية حُذف منها اسمك "
    "ورقم هاتفك وعنوانك وأي تفصيل آخر قد يدل عليك. لن تتلقى أي جهة قائمة تحمل اسمك.",
)
CONFIDENTIALITY = ClauseSpec(
    E.CONFIDENTIALITY,
    "Confidentiality in a group",
    "We will not write down names, and we will not repeat who said what. But the others in the "
    "group will hear what you say, and we cannot promise they will keep it to themselves: share "
    "only what you are comfortable with, and respect the others' privacy. If you tell us that a "
    "child or someone else is in danger, we may have to act to protect them; we would talk to "
    "you first.",
    "Nous n'écrirons pas les noms et ne répéterons pas qui a dit quoi. Mais les autres membres "
    "du groupe entendront ce que vous dites, et nous ne pouvons pas promettre qu'ils le "
    "garderont pour eux : ne dites que ce que vous êtes à l'aise de partager, et respectez la vie "
    "privée des autres. Si vous nous dites qu'un enfant ou une autre personne est en danger, nous "
    "devrons peut-être agir pour la protéger ; nous vous en parlerions d'abord.",
    "لن نكتب الأسماء، ولن نكرر من قال ماذا. لكن الآخرين في المجموعة سيسمعون ما تقوله، ولا "
    "يمكننا أن نضمن أنهم سيحتفظون به لأنفسهم: لذا شارك فقط ما ترتاح لمشاركته، واحترم خصوصية "
    "الآخرين. وإذا أخبرتنا أن طفلًا أو شخصًا آخر في خطر، فقد نضطر إلى التصرف لحمايته، وسنتحدث "
    "معك أولًا.",
)
# Not yet shared: waiting for the child-protection colleagues' review.
CHILD_ASSENT = ClauseSpec(
    E.CHILD_ASSENT,
    "A parent's consent and the child's assent",
    "Before we talk with your child, we ask for your permission as parent or guardian. We then "
    "explain the activity to your child in simple words and ask whether he or she wants to take "
    "part. If your child says no, we do not insist, even if you have agreed. A parent or a "
    "trusted adult may stay close by.",
    "Avant de parler avec votre enfant, nous vous demandons votre accord en tant que parent ou "
    "tuteur. Nous expliquons ensuite l'activité à votre enfant avec des mots simples et lui "
    "demandons s'il ou elle veut y participer. Si votre enfant refuse, nous n'insistons pas, "
    "même si vous avez donné votre accord. Un parent ou un adulte de confiance peut rester à "
    "proximité.",
    "قبل أن نتحدث مع طفلك، نطلب موافقتك بصفتك أحد الوالدين أو الوصيّ عليه. ثم نشرح النشاط "
    "لطفلك بكلمات بسيطة ونسأله إن كان يرغب في المشاركة. وإذا رفض طفلك، فلن نُلحّ عليه حتى لو "
    "كنت قد وافقت. ويمكن لأحد الوالدين أو لشخص بالغ موثوق أن يبقى قريبًا.",
    published=False,
)
# Fred's suggestion (the plan's journal, 2 April 2019); not yet shared.
ORAL_SCRIPT = ClauseSpec(
    E.VOLUNTARY,
    "Oral consent script for phone surveys",
    "I will read you a short text about this survey; please stop me at any time to ask a "
    "question. [Read the form's clauses.] Do you agree to answer the questions? You can say no, "
    "or stop at any time, and nothing will change to the help you receive. I am writing down "
    "your answer, today's date and my name.",
    "Je vais vous lire un court texte sur cette enquête ; n'hésitez pas à m'interrompre pour "
    "poser une question. [Lire les clauses du formulaire.] Acceptez-vous de répondre aux "
    "questions ? Vous pouvez refuser, ou arrêter à tout moment, et cela ne changera rien à l'aide "
    "que vous recevez. Je note votre réponse, la date d'aujourd'hui et mon nom.",
    "سأقرأ عليك نصًا قصيرًا عن هذا المسح، ويمكنك مقاطعتي في أي وقت لطرح سؤال. [اقرأ بنود "
    "الاستمارة.] هل توافق على الإجابة عن الأسئلة؟ يمكنك الرفض أو التوقف في أي وقت، ولن يتغير "
    "شيء في المساعدة التي تتلقاها. سأدوّن إجابتك وتاريخ اليوم واسمي.",
    published=False,
)

CLAUSES = [
    CONTROLLER,
    PURPOSE_SURVEY,
    PURPOSE_GROUP,
    VOLUNTARY,
    WITHDRAWAL,
    RIGHTS,
    RETENTION,
    SECURITY,
    RECIPIENTS,
    SHARING_TYPES,
    CONFIDENTIALITY,
    CHILD_ASSENT,
    ORAL_SCRIPT,
]

# --- The forms -------------------------------------------------------------------------------

HOUSEHOLD_SURVEY = "Household survey consent (VASyR)"
FOCUS_GROUP = "Focus group discussion consent"
RETENTION_PERIOD = "Two years after the end of the 2019 programme cycle"

FORMS = [
    FormSpec(
        HOUSEHOLD_SURVEY,
        Activity.HOUSEHOLD_SURVEY,
        MatrixCategory.NEEDS_ASSESSMENT,
        Recording.SIGNATURE,
        clauses=tuple(
            spec.title
            for spec in (
                CONTROLLER,
                PURPOSE_SURVEY,
                VOLUNTARY,
                WITHDRAWAL,
                RECIPIENTS,
                SHARING_TYPES,
                RETENTION,
                SECURITY,
                RIGHTS,
            )
        ),
        sharing=(
            Share((SharingType.AGGREGATED,), kind=Organisation.Kind.UN_AGENCY),
            Share((SharingType.ANONYMISED,), recipient="NRC"),
        ),
        retention=RETENTION_PERIOD,
        publish=True,
    ),
    # Deliberately incomplete: no withdrawal clause yet, so the builder warns.
    FormSpec(
        FOCUS_GROUP,
        Activity.FOCUS_GROUP,
        MatrixCategory.PROTECTION_MONITORING,
        Recording.ORAL,
        clauses=tuple(
            spec.title
            for spec in (
                CONTROLLER,
                PURPOSE_GROUP,
                VOLUNTARY,
                CONFIDENTIALITY,
                RETENTION,
                SECURITY,
                RIGHTS,
            )
        ),
        retention=RETENTION_PERIOD,
        overrides={
            CONTROLLER.title: ClauseSpec(
                E.CONTROLLER,
                CONTROLLER.title,
                "This discussion is organised by UNHCR Lebanon with its partners in the "
                "Information Management Working Group (IMWG). " + CONTACT["en"],
                "Cette discussion est organisée par le HCR (UNHCR) au Liban avec ses partenaires "
                "du groupe de travail sur la gestion de l'information (IMWG). " + CONTACT["fr"],
                "تنظّم هذه المناقشةَ المفوضيةُ السامية للأمم المتحدة لشؤون اللاجئين (UNHCR) في "
                "لبنان بالتعاون مع شركائها في مجموعة العمل المعنية بإدارة المعلومات (IMWG). "
                + CONTACT["ar"],
            )
        },
    ),
]


def load(by_acronym: dict[str, Organisation], users: dict[str, User]) -> list[ConsentForm]:
    """Create the demo consent clauses and forms; call inside the demo's transaction."""
    for username, acronym in EDITORS:
        _make_editor(users[username], by_acronym[acronym])
    owner, author = by_acronym[OWNER], users[AUTHOR]
    clauses = {}
    for spec in CLAUSES:
        clauses[spec.title], _created = Clause.objects.get_or_create(
            organisation=owner,
            title=spec.title,
            defaults={"element": spec.element, "published": spec.published, **spec.texts()},
        )
    return [_load_form(spec, owner, author, clauses, by_acronym) for spec in FORMS]


def _make_editor(user: User, organisation: Organisation) -> None:
    """An editor of ``organisation``, or more: a member is promoted, an admin stays an admin."""
    Role = Membership.Role
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": Role.EDITOR}
    )
    if not created and membership.role == Role.MEMBER:
        membership.role = Role.EDITOR
        membership.save()


def _load_form(spec: FormSpec, owner, author, clauses, by_acronym) -> ConsentForm:
    form, _created = ConsentForm.objects.get_or_create(
        organisation=owner,
        title=spec.title,
        defaults={
            "activity": spec.activity,
            "category": spec.category,
            "children": spec.children,
            "sensitive_data": spec.sensitive_data,
            "retention": spec.retention,
            "recording": spec.recording,
            "languages": list(LANGUAGES),
            "created_by": author,
        },
    )
    if not form.sharing.exists():
        for share in spec.sharing:
            SharingLine.objects.create(
                form=form,
                recipient_kind=share.kind,
                recipient=by_acronym[share.recipient] if share.recipient else None,
                types=list(share.types),
            )
    if not form.items.exists():
        for position, title in enumerate(spec.clauses):
            override = spec.overrides.get(title)
            FormClause.objects.create(
                form=form,
                clause=clauses[title],
                position=position,
                **(override.texts("override") if override else {}),
            )
    if spec.publish and not form.versions.exists():
        try:
            services.publish(form, author)
        except services.NotPublishable as refused:
            # The demo must load whatever happens to a translation the recipients clause quotes;
            # tests/consent/test_demo.py fails loudly instead.
            logger.warning("Demo form %r left as a draft: %s", form.title, refused.report)
    return form
