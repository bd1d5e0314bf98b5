"""The scheme-level settings later apps read, validated when they are stored.

Every key of FORMAT.md's `settings` block has a model here. Unknown keys are refused
(`extra="forbid"`) so a typo cannot silently switch a rule off; `None` means "the seed gives
no number" and the adopter must fill it before the rule is used. Shares are Decimal, money in
whole yuan as the schemes write it (`*_fen` properties give fen), point values in whole points
(`Scheme.to_units` converts to stored units).

Later apps call `scheme_settings(scheme)` and get typed objects, e.g.
`scheme_settings(s).fraud_multiplier`, `.veto.period_days`, `.reward_rules`, `.grading.bands`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from jifen.core.errors import InvalidInput

if TYPE_CHECKING:
    from jifen.rules.models import Scheme

SubjectType = Literal["person", "household", "party_member", "staff", "teacher", "unit"]
Cadence = Literal["weekly", "monthly", "quarterly", "yearly"]
Period = Literal["week", "month", "quarter", "term", "year", "school_year"]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Points = Annotated[int, Field(ge=0)]
Yuan = Annotated[int, Field(ge=0)]
MonthDay = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]


def bilingual(zh: str, en: str) -> PydanticCustomError:
    """A validation error that carries its Chinese wording to the message the official reads."""
    return PydanticCustomError("bilingual", en.replace("{", "(").replace("}", ")"), {"zh": zh})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)
    # Free text a transcriber may attach to any settings object (what the seed says about it).
    note: str | None = None


class BasePoints(_Strict):
    amount: Points | None
    frequency: Literal["yearly", "once"] | None = "yearly"
    subject_types: list[SubjectType] = []
    condition: str | None = None


class Veto(_Strict):
    enabled: bool = True
    period_days: Annotated[int, Field(ge=1, le=3660)] | None = None
    bars: list[Literal["redemption", "rewards", "honours"]] = ["redemption", "rewards"]
    keeps_earning: bool = True


class LeaderMatching(_Strict):
    enabled: bool = True
    applies_to: list[Literal["award", "deduct"]] = ["award", "deduct"]


class Factor(_Strict):
    """One source of fixed monthly points (position, seniority, education …)."""

    attribute: Literal["position", "seniority_years", "education", "title", "skill_level", "speciality"]
    name: Text
    values: dict[str, Points | None] | None = None  # label -> monthly points
    per_year: Points | None = None  # seniority: monthly points per year of service

    @model_validator(mode="after")
    def _one_rule(self) -> Factor:
        if self.values is not None and self.per_year is not None:
            raise bilingual("values 和 per_year 只能填一种", "give either values or per_year, not both")
        return self


class FixedPoints(_Strict):
    frequency: Literal["monthly"] = "monthly"
    prorate_by_attendance: bool = False
    factors: list[Factor] = []


class AuthTitle(_Strict):
    title: Text
    level: Annotated[int, Field(ge=0, le=99)]


class AuthTier(_Strict):
    title: Text
    points_limit: Points | None = None


class Authorisation(_Strict):
    titles: list[AuthTitle] = []
    slip_min_level: Annotated[int, Field(ge=0, le=99)] | None = None
    tiers: list[AuthTier] = []


class GradingArea(_Strict):
    code: Code
    name: Text
    max_points: Points | None = None


class GradeBand(_Strict):
    code: Code
    name: Text
    min: Points | None = None
    max: Points | None = None

    @model_validator(mode="after")
    def _ordered(self) -> GradeBand:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise bilingual("最低分不能高于最高分", "min must not be above max")
        return self

    def contains(self, score: int) -> bool:
        return (self.min is None or score >= self.min) and (self.max is None or score <= self.max)


class Streak(_Strict):
    grade: Code
    years: Annotated[int, Field(ge=1, le=20)]
    becomes: Code
    becomes_name: Text


class PartyClass(_Strict):
    code: Code
    name: Text


class Grading(_Strict):
    scale: Points | None = None
    areas: list[GradingArea] = []
    methods: list[Literal["self", "branch", "mass", "org_check", "branch_rating"]] = []
    weights: dict[str, Share | None] = {}
    bands: list[GradeBand] = []
    streak: Streak | None = None
    report_upward_top: Annotated[int, Field(ge=1)] | None = None
    classes: list[PartyClass] = []
    exemptions: list[Literal["over_70", "long_illness", "other"]] = []

    @model_validator(mode="after")
    def _consistent(self) -> Grading:
        codes = [band.code for band in self.bands]
        if len(set(codes)) != len(codes):
            raise bilingual("等次编码重复", "grade band codes must be unique")
        if self.streak is not None and self.streak.grade not in codes:
            raise bilingual(f"streak.grade「{self.streak.grade}」不是已列出的等次", f"streak.grade {self.streak.grade!r} is not one of the bands")
        unknown = set(self.weights) - set(self.methods) if self.methods else set()
        if unknown:
            raise bilingual(f"权重对应的计分方式未列出：{sorted(unknown)}", f"weights for methods not listed: {sorted(unknown)}")
        return self


class RankTable(_Strict):
    type: Literal["rank_table"]
    period: Period
    group: str = ""
    amounts_yuan: list[Yuan | None]

    @property
    def amounts_fen(self) -> list[int | None]:
        return [None if a is None else a * 100 for a in self.amounts_yuan]


class ThresholdTier(_Strict):
    min_points: Points | None
    amount_yuan: Yuan | None = None
    reward: str | None = None

    @property
    def amount_fen(self) -> int | None:
        return None if self.amount_yuan is None else self.amount_yuan * 100


class Threshold(_Strict):
    type: Literal["threshold"]
    period: Period
    tiers: list[ThresholdTier]


class GroupAverage(_Strict):
    type: Literal["group_average"]
    period: Period
    groups: list[str] = []
    min_average: Points | None = None
    award_points: Points | None = None
    step: Annotated[int, Field(ge=1)] | None = None
    step_award_points: Points | None = None


class TopN(_Strict):
    type: Literal["top_n"]
    period: Period
    n: Annotated[int, Field(ge=1)] | None
    min_points: Points | None = None
    title: str | None = None


class Quota(_Strict):
    type: Literal["quota"]
    period: Period
    min_share: Share | None
    title: str | None = None


class AboveAverage(_Strict):
    type: Literal["above_average"]
    period: Period
    titles: list[str] = []


RewardRule = Annotated[RankTable | Threshold | GroupAverage | TopN | Quota | AboveAverage, Field(discriminator="type")]


class PublishedTop(_Strict):
    period: Period
    n: Annotated[int, Field(ge=1)] | None


class ParticipationTarget(_Strict):
    who: Text
    min_share: Share | None


class Fund(_Strict):
    source: Text
    amount_yuan: Yuan | None = None
    # A range where the seed gives one (篇5: 2–3万元 a village a year).
    amount_min_yuan: Yuan | None = None
    amount_max_yuan: Yuan | None = None
    per: str | None = None

    @model_validator(mode="after")
    def _range(self) -> Fund:
        if self.amount_yuan is not None and (self.amount_min_yuan is not None or self.amount_max_yuan is not None):
            raise bilingual("固定金额和金额范围只能填一种", "give amount_yuan or a min/max range, not both")
        if (
            self.amount_min_yuan is not None
            and self.amount_max_yuan is not None
            and self.amount_min_yuan > self.amount_max_yuan
        ):
            raise bilingual("最低金额不能高于最高金额", "amount_min_yuan must not be above amount_max_yuan")
        return self


class SpotChecks(_Strict):
    cadence: Cadence | None


class ZeroOrNegative(_Strict):
    enabled: bool = True
    action: str | None = None


class Criterion(_Strict):
    code: Code
    name: Text
    text: str = ""


class Stage(_Strict):
    stage: Code
    name: Text
    from_: MonthDay | None = Field(default=None, alias="from")
    to: MonthDay | None = None


class Programme(_Strict):
    budget_yuan: Yuan | None = None
    awards: Annotated[int, Field(ge=1)] | None = None
    per_county_shortlist_max: Annotated[int, Field(ge=1)] | None = None
    redemption_share_min: Share | None = None
    criteria: list[Criterion] = []
    timeline: list[Stage] = []


class SchemeSettings(_Strict):
    records_per_day: Annotated[int, Field(ge=1)] | None = None
    base_points: BasePoints | None = None
    fraud_multiplier: Annotated[Decimal, Field(ge=1, le=100, max_digits=6, decimal_places=2)] | None = None
    veto: Veto | None = None
    leader_matching: LeaderMatching | None = None
    fixed_points: FixedPoints | None = None
    authorisation: Authorisation | None = None
    grading: Grading | None = None
    reward_rules: list[RewardRule] = []
    published_top: PublishedTop | None = None
    summary_cadence: Cadence | None = None  # 篇6 一周一汇总
    ranking_cadence: Cadence | None = None  # 篇6 一周一排名
    participation_targets: list[ParticipationTarget] = []
    honours: list[Text] = []
    funds: list[Fund] = []
    spot_checks: SpotChecks | None = None
    zero_or_negative: ZeroOrNegative | None = None
    programme: Programme | None = None


# Chinese wording for the pydantic error types an official is likely to meet.
_ZH = {
    "extra_forbidden": "不认识的设置项（可能拼写错误）",
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "decimal_parsing": "应为小数（如 \"0.30\"）",
    "decimal_type": "应为小数（如 \"0.30\"）",
    "decimal_max_places": "小数位数太多",
    "decimal_max_digits": "数字位数太多",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值太小",
    "greater_than": "数值太小",
    "less_than_equal": "数值太大",
    "less_than": "数值太大",
    "string_type": "应为文字",
    "string_too_short": "不能为空",
    "string_too_long": "文字太长",
    "string_pattern_mismatch": "格式不对",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "union_tag_invalid": "未知的类型",
    "union_tag_not_found": "缺少类型（type）",
}


def error_path(loc: tuple[Any, ...], prefix: str = "settings") -> str:
    parts = [prefix] if prefix else []
    for piece in loc:
        if isinstance(piece, int):
            if parts:
                parts[-1] += f"[{piece}]"
            else:
                parts.append(f"[{piece}]")
        elif piece in {"rank_table", "threshold", "group_average", "top_n", "quota", "above_average"}:
            continue  # the discriminator tag pydantic inserts into the location
        else:
            parts.append(str(piece))
    return ".".join(parts)


def invalid_from(exc: ValidationError, *, prefix: str = "settings", what_zh: str = "方案设置", what_en: str = "scheme settings") -> InvalidInput:
    """One InvalidInput naming every bad field by its path, in Chinese and English."""
    errors = []
    for err in exc.errors(include_url=False):
        path = error_path(tuple(err["loc"]), prefix)
        if err["type"] == "bilingual":
            zh = err["ctx"]["zh"]
        else:
            zh = _ZH.get(err["type"], "取值无效")
        errors.append({"field": path, "zh": zh, "en": err["msg"]})
    head = errors[0]
    more_zh = f"（共 {len(errors)} 处）" if len(errors) > 1 else ""
    more_en = f" ({len(errors)} problems)" if len(errors) > 1 else ""
    return InvalidInput(
        f"{what_zh}有误{more_zh}：{head['field']}：{head['zh']}",
        f"invalid {what_en}{more_en}: {head['field']}: {head['en']}",
        code="invalid_settings",
        detail={"field": head["field"], "errors": errors},
    )


def validate_settings(data: Any) -> SchemeSettings:
    if data is None:
        data = {}
    try:
        return SchemeSettings.model_validate(data)
    except ValidationError as exc:
        raise invalid_from(exc) from None


def settings_json(settings: SchemeSettings) -> dict[str, Any]:
    """What is stored: only the keys given, Decimals as strings, `from` under its own name."""
    return settings.model_dump(mode="json", exclude_unset=True, by_alias=True)


def scheme_settings(scheme: Scheme) -> SchemeSettings:
    """The scheme's settings as typed objects (already validated when stored)."""
    return SchemeSettings.model_validate(scheme.settings or {})
