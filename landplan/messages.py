"""Every word a person reads on landplan's pages, in Chinese and English: one catalogue.

``label(key, lang)`` gives a fixed label; ``say(key, **args)`` fills a sentence in
both languages at once (a ``Words``), so that a reason found while solving can be
shown later in either. Keys are column names as the output files spell them, or
``section.name`` for everything else. ``tests/test_messages.py`` fails when a key
used in the code, or a column, reason, kind or status shown on a page, has no entry
here, or when the two languages' placeholders differ.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

ZH, EN = "zh", "en"

CATALOGUE: dict[str, tuple[str, str]] = {
    # -- columns of the output files --------------------------------------------------
    "parcel_id": ("地块编号", "Parcel"),
    "kind": ("类型", "Kind"),
    "zoning": ("用地性质", "Zoning"),
    "park": ("园区", "Park"),
    "area_ha": ("面积（公顷）", "Area (ha)"),
    "area_mu": ("面积（亩）", "Area (mu)"),
    "status": ("状态", "Status"),
    "project_ids": ("项目编号", "Projects"),
    "project_names": ("项目名称", "Project names"),
    "sectors": ("产业", "Sectors"),
    "project_id": ("项目编号", "Project"),
    "name": ("项目名称", "Name"),
    "sector": ("产业", "Sector"),
    "hightech": ("高精尖", "High-tech"),
    "major": ("重大项目", "Major"),
    "must_place": ("必须落位", "Must place"),
    "need": ("用地需求", "Needs"),
    "n_projects": ("项目数", "Projects placed"),
    "park_avg_cost": ("园区平均成本（万元/公顷）", "Park average cost (10k yuan/ha)"),
    "land_used_ha": ("用地（公顷）", "Land used (ha)"),
    "land_ha": ("用地（公顷）", "Land (ha)"),
    "land_mu": ("用地（亩）", "Land (mu)"),
    "base_share": ("基准分摊（万元）", "Base share (10k yuan)"),
    "cap": ("封顶额（万元）", "Cap (10k yuan)"),
    "share": ("实际分摊（万元）", "Share borne (10k yuan)"),
    "subsidy": ("区级补贴（万元）", "District subsidy (10k yuan)"),
    "spread_burden": ("其他用地分担（万元）", "Spread to others (10k yuan)"),
    "deferred": ("递延分摊（万元）", "Deferred (10k yuan)"),
    "share_ratio": ("分摊/园区均价", "Share / park average"),
    "capped": ("高精尖封顶", "Capped (high-tech)"),
    "pairs": ("落位项目数", "Projects placed"),
    "hightech_pairs": ("高精尖项目数", "High-tech projects"),
    "budget": ("补贴预算（万元）", "Budget (10k yuan)"),
    "budget_used": ("预算使用率", "Budget used"),
    "leading_sectors": ("主导产业", "Leading sectors"),
    "placed_leading": ("落在主导产业", "In a leading sector"),
    "output_per_ha": ("地均产值（万元/公顷）", "Output per ha (10k yuan/ha)"),
    "tax_per_mu": ("亩均税收（万元/亩）", "Tax per mu (10k yuan/mu)"),
    "output_per_mu": ("亩均产值（万元/亩）", "Output per mu (10k yuan/mu)"),
    "reason_code": ("原因代码", "Reason code"),
    "reason": ("原因", "Reason"),
    "detail": ("说明", "Detail"),
    "objective_value": ("目标值", "Objective value"),
    "importance": ("地块重要性（目标值降幅）", "Importance (objective lost without it)"),
    "importance_low": ("重要性下限（区间结果）", "Importance at least (an interval)"),
    "importance_pct": ("重要性（占目标值%）", "Importance (% of objective)"),
    "withhold": ("若收回", "If taken back"),
    "indicator": ("指标", "Indicator"),
    "unit": ("单位", "Unit"),
    "baseline": ("基期", "Baseline"),
    "target": ("目标", "Target"),
    "plan": ("本方案", "This plan"),
    "met": ("达标", "Met"),
    "item": ("项目", "Item"),
    "value": ("数值", "Value"),
    "why": ("为何在此（对比次优方案）", "Why here (against the next best)"),
    "next_best": ("次优地块", "Next best place"),
    # the firms on land in use (evaluation.csv, evaluation.xlsx)
    "firm": ("企业名称", "Firm"),
    "firms": ("企业数", "Firms"),
    "tax": ("税收（万元）", "Tax (10k yuan)"),
    "output": ("产值（万元）", "Output (10k yuan)"),
    "value_added": ("增加值（万元）", "Value added (10k yuan)"),
    "energy_tce": ("综合能耗（吨标煤）", "Energy use (tce)"),
    "jobs": ("从业人员（人）", "Jobs"),
    "rd_spend": ("研发经费（万元）", "R&D spending (10k yuan)"),
    "value_added_per_mu": ("亩均增加值（万元/亩）", "Value added per mu (10k yuan/mu)"),
    "value_added_per_energy": (
        "单位能耗增加值（万元/吨标煤）",
        "Value added per tce (10k yuan/tce)",
    ),
    "rd_intensity": ("研发投入强度", "R&D intensity"),
    "labour_productivity": ("全员劳动生产率（万元/人）", "Labour productivity (10k yuan/person)"),
    "score": ("综合得分", "Score"),
    "tier": ("分档", "Tier"),
    "missing": ("缺报指标", "Not reported"),
    "offered": ("列入腾退用地", "Offered for renewal"),
    "recovered": ("本方案收回", "Recovered in this plan"),
    "for_project": ("承接项目", "For project"),
    "A": ("A类", "Tier A"),
    "B": ("B类", "Tier B"),
    "C": ("C类", "Tier C"),
    "D": ("D类", "Tier D"),
    "cd_land_mu": ("C、D类企业用地（亩）", "Land of C/D firms (mu)"),
    "cd_land_share": ("C、D类用地占比", "Share of land held by C/D firms"),
    "tax_per_mu_vs_benchmark": ("亩均税收/基准", "Tax per mu / benchmark"),
    "output_per_mu_vs_benchmark": ("亩均产值/基准", "Output per mu / benchmark"),
    "value_added_per_mu_vs_benchmark": ("亩均增加值/基准", "Value added per mu / benchmark"),
    "firm_names": ("原用地企业", "Firms on it"),
    "cost": ("收回成本（万元）", "Recovery cost (10k yuan)"),
    "lost_output": ("原企业产值（万元）", "Firms' output lost (10k yuan)"),
    "lost_tax": ("原企业税收（万元）", "Firms' tax lost (10k yuan)"),
    "recovered_mu": ("收回用地（亩）", "Land recovered (mu)"),
    "output_per_mu_after": ("腾退后亩均产值（万元/亩）", "Output per mu after (10k yuan/mu)"),
    "tax_per_mu_after": ("腾退后亩均税收（万元/亩）", "Tax per mu after (10k yuan/mu)"),
    "tier.A": ("A类（优先发展）", "A (priority)"),
    "tier.B": ("B类（鼓励提升）", "B (encouraged to improve)"),
    "tier.C": ("C类（帮扶转型）", "C (helped to transform)"),
    "tier.D": ("D类（倒逼整治）", "D (pressed to rectify)"),
    # -- values shown in words --------------------------------------------------------
    "kind.factory": ("标准厂房", "Standard factories"),
    "kind.vacant": ("已征未建/未征闲置用地", "Vacant and unacquired plots"),
    "kind.collective": ("集体经营性建设用地", "Village-collective land"),
    "status.available": ("可用", "available"),
    "status.reserved": ("预留", "reserved"),
    "status.occupied": ("已占用", "occupied"),
    "mode.transfer": ("出让", "transfer"),
    "mode.flexible": ("弹性出让", "flexible-term transfer"),
    "mode.lease": ("租赁", "lease"),
    "mode.split_sale": ("分割销售", "split sale"),
    "mode.equity": ("入股", "equity"),
    "mode.joint": ("联营", "joint operation"),
    "from.planned": ("计划日期", "planned date"),
    "from.target": ("投产目标倒排", "from the producing target"),
    "from.scheduled": ("倒排推算", "scheduled backwards"),
    "need.land": ("用地", "land"),
    "need.floor": ("厂房", "floor space"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "none": ("无", "none"),
    "total": ("合计", "total"),
    "solver.optimal": ("最优", "optimal"),
    "solver.time_limit": ("达到时间上限（有可行方案）", "time limit (a plan, not proven best)"),
    "solver.infeasible": ("无可行方案", "infeasible"),
    "solver.failed": ("运行失败", "failed"),
    # -- why a project was not placed: the codes of allocation.csv, and the details ------
    "reason.no eligible parcel": ("无符合条件的地块", "no eligible parcel"),
    "reason.outcompeted": ("被更优项目占用", "outcompeted"),
    "reason.budget": ("补贴预算不足", "budget"),
    "reason.not worth placing": ("落位收益为负", "not worth placing"),
    "reason.solver stopped": ("求解器提前停止", "solver stopped"),
    "reason.annual caps": ("年度供地或预算上限已满", "annual caps"),
    "why.annual_land": (
        "可选的{n}个（地块、年份）均受年度上限限制；最优的{parcel}（{year}年）需用地{need:,.2f}公顷，"
        "该年供地上限仅余{left:,.2f}公顷",
        "each of its {n} free (parcel, year) options meets an annual cap; its best, {parcel} in "
        "{year}, needs {need:,.2f} ha and that year's land cap has {left:,.2f} ha left",
    ),
    "why.annual_budget": (
        "可选的{n}个（地块、年份）均受年度上限限制；最优的{parcel}（{year}年）需补贴{need:,.0f}万元，"
        "该年预算仅余{left:,.0f}万元",
        "each of its {n} free (parcel, year) options meets an annual cap; its best, {parcel} in "
        "{year}, needs {need:,.0f} 万元 and that year's budget has {left:,.0f} 万元 left",
    ),
    "why.outcompeted": (
        "全部{n}个符合条件的地块均已被占用；其中最优的{parcel}给了{taker}",
        "all {n} eligible parcels are taken; its best, {parcel}, went to {taker}",
    ),
    "why.budget": (
        "其最优空闲地块{parcel}需区级补贴{subsidy:,.0f}万元；补贴预算仅剩{left:,.0f}万元",
        "its best free parcel {parcel} needs {subsidy:,.0f} 万元 of subsidy; "
        "{left:,.0f} 万元 of the budget is left",
    ),
    "why.not_worth": (
        "其最优空闲地块{parcel}使目标值变化{value:,.0f}（补贴超过其收益）",
        "its best free parcel {parcel} adds {value:,.0f} to the objective "
        "(the subsidy outweighs its benefits)",
    ),
    "why.stopped": (
        "落在{parcel}可使目标值增加{value:,.0f}；求解器在相对间隙{gap:.3f}%时停止",
        "placing it on {parcel} would add {value:,.0f}; the solver stopped at a {gap:.3f}% gap",
    ),
    "why.merged": (
        "落在{n}块相邻地块拼合的地块（共{area:.2f}公顷）：其中每一块都小于项目{low:g}–{high:g}公顷的需求",
        "placed on a merged site of {n} adjacent parcels ({area:.2f} ha together): each "
        "alone is below its {low:g}–{high:g} ha",
    ),
    "why.only_place": ("唯一符合条件的地块", "its only eligible place"),
    "why.next_best": ("次优地块{place}（{park}）", "next best {place} ({park})"),
    "why.sector_park": (
        "本产业主导园区中最优的{place}（{park}）",
        "best in a park led by its sector, {place} ({park})",
    ),
    "why.no_sector_park": (
        "本产业主导园区中无符合条件的地块",
        "no eligible place in a park led by its sector",
    ),
    "why.versus": ("{head}：{diffs}", "{head}: {diffs}"),
    "why.versus_plan": (
        "{head}单看更优（{diffs}），但在整体方案中让位于其他项目",
        "{head} is better on its own ({diffs}) but gave way to other projects in the plan",
    ),
    "why.versus_taken": (
        "{head}已落位{taker}，且{diffs}",
        "{head} went to {taker}; besides, it {diffs}",
    ),
    "why.d_subsidy_more": ("区级补贴多{x:,.0f}万元", "needs {x:,.0f} 万元 more subsidy"),
    "why.d_subsidy_less": ("区级补贴少{x:,.0f}万元", "needs {x:,.0f} 万元 less subsidy"),
    "why.d_land_more": ("用地多{x:,.2f}公顷", "takes {x:,.2f} ha more land"),
    "why.d_land_less": ("用地少{x:,.2f}公顷", "takes {x:,.2f} ha less land"),
    "why.d_not_sector_park": ("不在本产业主导园区", "is not in a park led by its sector"),
    "why.d_sector_park": ("位于本产业主导园区", "is in a park led by its sector"),
    "why.d_not_preferred": ("不是意向园区", "is not its preferred park"),
    "why.d_preferred": ("是意向园区", "is its preferred park"),
    "why.d_later": ("晚{n}年供地", "comes {n} year(s) later"),
    "why.d_earlier": ("早{n}年供地", "comes {n} year(s) earlier"),
    "why.d_renewal": (
        "需腾退收回（成本及原企业产出折合{x:,.0f}）",
        "must be recovered first (cost and lost yield worth {x:,.0f})",
    ),
    "why.d_value": ("其余条件相同，综合得分低{x:,.0f}", "scores {x:,.0f} lower, all else equal"),
    "why.withheld": (
        "除已收回的{parcel}外无符合条件的地块",
        "no eligible parcel other than {parcel}, which is withheld",
    ),
    # no plan: found before solving (precheck) or explained after (diagnose)
    "precheck.no_pairs": ("必须落位的项目{pid}{reason}", "must-place project {pid} has {reason}"),
    "precheck.budget": (
        "补贴预算：必须落位的项目至少需区级补贴{need:,.0f}万元（各取其补贴最少的符合条件地块："
        "{named}），而 costshare.budget 为{budget:,.0f}万元——请提高预算或取消必须落位",
        "budget: placing the must-place projects needs at least {need:,.0f} 万元 of subsidy "
        "(each on its cheapest eligible parcel: {named}), but costshare.budget is "
        "{budget:,.0f} 万元 — raise the budget or clear must_place",
    ),
    "precheck.parcels": (
        "必须落位的项目{names}（{n}个）只能使用地块{places}（{k}块），而每块用地只能落位一个项目"
        "——请释放更多地块、放宽其面积范围或取消必须落位",
        "must-place projects {names} ({n}) can only use parcels {places} ({k}); each land "
        "parcel hosts one project — free more parcels, widen their area ranges or clear "
        "must_place",
    ),
    "precheck.floor": (
        "必须落位的项目{tenants}只能进入标准厂房{factory}，共需{total:,.0f}平方米，而该厂房只有"
        "{have:,.0f}平方米——请取消部分项目的必须落位或放开其他厂房",
        "must-place projects {tenants} can only go to factory {factory} and need {total:,.0f} "
        "m² of its {have:,.0f} m² — clear must_place on some or admit other factories",
    ),
    "diagnose.target_level": (
        "{key} 目标{level}，最好可达{best}",
        "{key} {level}: the best plan reaches {best}",
    ),
    "diagnose.targets": (
        "落位全部必须落位项目的方案都达不到规划指标：{missed}——请降低指标（targets:）"
        "或取消未达标项目的必须落位",
        "no plan that places every must-place project meets the target {missed} — lower the "
        "target (targets:) or clear must_place on the projects that fall short",
    ),
    "diagnose.together": (
        "各项指标单独都可达到，但落位全部必须落位项目的方案无法同时满足（{reach}）——请降低其中一项指标",
        "each target can be met alone but not all together by a plan that places every "
        "must-place project ({reach}) — lower one of the targets",
    ),
    "diagnose.annual_land": (
        "年度供地上限（phasing.land_ha）使必须落位的项目无法全部在规划年份内供地，去掉年度上限即有"
        "可行方案——请提高前几年的供地上限、允许更多延后（phasing.max_delay）或取消必须落位",
        "the annual land caps (phasing.land_ha) leave no year for every must-place project; "
        "without them a plan exists — raise the early years' caps, allow more delay "
        "(phasing.max_delay) or clear must_place",
    ),
    "diagnose.annual_budget": (
        "年度补贴预算（phasing.budget）使必须落位的项目无法全部在规划年份内供地，去掉年度预算即有"
        "可行方案——请提高前几年的预算、允许更多延后（phasing.max_delay）或取消必须落位",
        "the annual budgets (phasing.budget) leave no year for every must-place project; "
        "without them a plan exists — raise the early years' budgets, allow more delay "
        "(phasing.max_delay) or clear must_place",
    ),
    "diagnose.annual_both": (
        "年度供地上限和年度补贴预算合在一起使必须落位的项目无法全部供地，去掉二者即有可行方案"
        "——请提高前几年的上限或预算、允许更多延后（phasing.max_delay）或取消必须落位",
        "the annual land caps and budgets together leave no year for every must-place "
        "project; without them a plan exists — raise the early years' caps or budgets, allow "
        "more delay (phasing.max_delay) or clear must_place",
    ),
    "diagnose.generic": (
        "求解器证明：在{limits}的限制下，没有能落位全部必须落位项目的方案——请运行 landplan "
        "validate，并检查 must_place、locked_parcel 及上述限制",
        "the solver proved that no plan places every must-place project within the {limits}; "
        "run 'landplan validate' and check must_place, locked_parcel and those limits",
    ),
    "limit.parcels": ("地块（每块用地落位一个项目）", "parcels (one project per land parcel)"),
    "limit.floor": ("厂房面积", "floor space"),
    "limit.quota": ("建设用地指标", "construction-land quota"),
    "limit.budget": ("补贴预算（costshare.budget）", "budget (costshare.budget)"),
    "limit.targets": ("规划指标（targets:）", "targets (targets:)"),
    "limit.priority": ("高精尖优先", "high-tech priority"),
    # eligibility: the rule that removed a project's last candidate parcels
    "none.no_eligible": (
        "无符合条件的地块——{rule}（共{candidates}个候选：{funnel}）",
        "no eligible parcel — {rule} (of {candidates}: {funnel})",
    ),
    "none.locked_not_eligible": (
        "指定地块{parcel}不符合条件：{rule}",
        "locked parcel {parcel} is not eligible: {rule}",
    ),
    "none.what.land": ("地块", "land parcel"),
    "none.what.floor": ("厂房", "factory"),
    "none.span.land": ("{low:g}–{high:g}公顷", "{low:g}–{high:g} ha"),
    "none.span.floor": ("{floor:,.0f}平方米厂房面积", "{floor:,.0f} m² of floor space"),
    "none.any_mode": ("任一方式", "any mode"),
    "none.rule.locked": ("指定地块", "locked parcel"),
    "none.rule.status": (
        "状态：所有候选{what}均为预留或已占用",
        "status: every candidate {what} is reserved or occupied",
    ),
    "none.rule.promised": (
        "已承诺：所有可用{what}均已承诺给其他项目",
        "promised: every available {what} is promised to another project",
    ),
    "none.rule.kind": ("类型：无可用{what}", "kind: no available {what}"),
    "none.rule.zoning": (
        "用地性质：无用地性质为{codes}的可用{what}",
        "zoning: no available {what} zoned {codes}",
    ),
    "none.rule.size": (
        "规模：无用地性质为{codes}且规模为{span}的{what}",
        "size: no {what} zoned {codes} with {span}",
    ),
    "none.rule.supply_mode": (
        "供地方式：{n}个{what}规模相符，但均不提供{modes}",
        "supply mode: {n} {what}(s) fit, none offers {modes}",
    ),
    "none.rule.year": (
        "供地时间：{n}个{what}规模相符，但均不能在{year}年前供地",
        "availability: {n} {what}(s) fit, none is available by {year}",
    ),
    "none.rule.entry": (
        "准入标准：{n}个{what}规模相符，但项目未达到方案规定的地均投资/产出/税收",
        "entry standards: {n} {what}(s) fit, the project misses the "
        "investment/output/tax per unit land set by the scenario",
    ),
    "none.rule.spatial": (
        "{name}：{n}个规模相符的{what}均被该空间约束排除",
        "{name}: the {n} fitting {what}(s) are all excluded by this spatial rule",
    ),
    "none.rule.merged": (
        "拼合：{n}个拼合地块规模相符，但其中单个地块即可满足项目需求",
        "merged: {n} merged site(s) fit, but each has a member the project fits alone",
    ),
    "none.rule.quota": (
        "用地指标：{n}个{what}规模相符，但均缺少建设用地指标，且其范围内可腾退的指标不足",
        "quota: {n} {what}(s) fit, all lack construction-land quota and too little can be "
        "freed in their scope",
    ),
    "none.with_blocked": ("{rule}；另：{site}", "{rule}; note: {site}"),
    "none.blocked_site": (
        "相邻地块{site}拼合后（{area:.2f}公顷）规模相符，但{blocked}不可用",
        "adjacent parcels {site} together ({area:.2f} ha) would fit, but {blocked} cannot be used",
    ),
    "funnel.merged": ("拼合", "merged"),
    "funnel.quota": ("用地指标", "quota"),
    "funnel.locked": ("指定地块", "locked"),
    "funnel.status": ("状态", "status"),
    "funnel.promised": ("已承诺", "promised"),
    "funnel.kind": ("类型", "kind"),
    "funnel.zoning": ("用地性质", "zoning"),
    "funnel.size": ("规模", "size"),
    "funnel.supply_mode": ("供地方式", "supply_mode"),
    "funnel.year": ("供地时间", "year"),
    "funnel.entry": ("准入标准", "entry"),
    # -- why here: the location terms of a placed pair's value ---------------------------
    "v_output": ("产值", "output"),
    "v_tax": ("税收", "tax"),
    "v_jobs": ("就业", "jobs"),
    "v_hightech": ("高精尖", "high-tech"),
    "v_major": ("重大项目", "major"),
    "v_positioning": ("主导产业", "positioning"),
    "v_preferred_park": ("意向园区", "preferred park"),
    "v_near": ("邻近配套", "proximity"),
    "v_land": ("用地", "land"),
    "v_subsidy": ("区级补贴", "subsidy"),
    "v_deferred": ("递延分摊", "deferred"),
    "v_spread": ("其他用地分担", "spread"),
    "v_renewal": ("腾退成本与原企业产出", "renewal cost and lost yield"),
    # -- the map ------------------------------------------------------------------------
    "map.allocation": ("项目落位（按产业）", "Allocation by sector"),
    "map.costshare": ("成本分摊（相对园区均价）", "Cost share vs park average"),
    "map.parks": ("园区边界", "Park boundaries"),
    "map.labels": ("编号标注（放大后显示）", "Labels (when zoomed in)"),
    "map.importance": ("地块重要性（收回后的损失）", "Parcel importance (loss if taken back)"),
    "map.unplaced": ("未落位项目", "Unplaced projects"),
    "map.search": ("搜索编号、项目名称或园区", "Search an id, a project name or a park"),
    "map.capped": ("按{ratio:.0%}封顶", "Capped at {ratio:.0%}"),
    "map.kind_parcel": ("地块", "parcel"),
    "map.kind_project": ("项目", "project"),
    "map.kind_park": ("园区", "park"),
    "map.kind_unplaced": ("未落位", "unplaced"),
    "map.park_filter": ("只看一个园区", "Show one park"),
    "map.all_parks": ("全部园区", "All parks"),
    "land_used_mu": ("用地（亩）", "Land used (mu)"),
    "zoning.M": ("工业用地", "industrial"),
    "zoning.M1": ("一类工业用地", "class 1 industrial"),
    "zoning.M2": ("二类工业用地", "class 2 industrial"),
    "zoning.M3": ("三类工业用地", "class 3 industrial"),
    "zoning.M4": ("工业研发用地", "industrial R&D"),
    "zoning.W": ("物流仓储用地", "logistics and warehousing"),
    "zoning.W1": ("一类物流仓储用地", "class 1 logistics and warehousing"),
    "zoning.W2": ("二类物流仓储用地", "class 2 logistics and warehousing"),
    "zoning.W3": ("三类物流仓储用地", "class 3 logistics and warehousing"),
    "zoning.A3": ("教育科研用地", "education and research"),
    "zoning.A35": ("科研用地", "research"),
    "zoning.B2": ("商务用地", "business"),
    "zoning.B29": ("其他商务设施用地", "other business facilities"),
    "map.not_found": ("未找到", "not found"),
    "map.legend": ("图例", "Legend"),
    "map.status_outline": ("地块状态（边框）", "Parcel status (outline)"),
    "map.kind_fill": ("地块类型（填充）", "Parcel kind (fill)"),
    "map.constraint": ("空间约束", "Constraint"),
    "map.why": ("为何在此", "Why here"),
    "map.cannot_withhold": ("不可收回（无可行方案）", "cannot be taken back (no plan)"),
    "map.show": ("展开", "show"),
    "map.consolidation": ("用地整合（拼合与指标置换）", "Consolidation (merged sites, swaps)"),
    "site": ("拼合地块", "Merged site"),
    "years": ("供地年份", "Handover year"),
    "year": ("供地年份", "Year"),
    "projects": ("落位项目数", "Projects"),
    "late": ("其中延后", "Of them late"),
    "land_cap_ha": ("供地上限（公顷）", "Land cap (ha)"),
    "land_cap_mu": ("供地上限（亩）", "Land cap (mu)"),
    "budget_left": ("预算结余（万元）", "Budget left (10k yuan)"),
    "report.phasing": (
        "年度供地计划：各年供地与补贴（对照年度上限）",
        "Supply by year against the annual caps",
    ),
    "report.phasing_note": (
        "规划年份 {first}–{last}；项目最多可延后 {delay} 年开工，"
        "每延后一年按其价值的 {weight:.0%} 计减。",
        "Planning years {first}–{last}; a project may start up to {delay} years late, "
        "losing {weight:.0%} of its value a year.",
    ),
    "report.phasing_parks": (
        "分园区年度供地（设有园区上限时）",
        "Land by park and year (where a park has a cap)",
    ),
    "stage.none": ("未签约", "not signed"),
    "stage.signed": ("签约", "signed"),
    "stage.started": ("开工", "started"),
    "stage.finished": ("竣工", "finished"),
    "stage.producing": ("投产", "producing"),
    "track.title": (
        "{scenario} 重大项目挂图推进（截至 {date}）",
        "{scenario}: major projects as of {date}",
    ),
    "track.projects": ("重大项目", "Major projects"),
    "track.other_parcels": ("其他地块", "Other parcels"),
    "track.reached": ("当前阶段", "Stage reached"),
    "track.stage": ("阶段", "Stage"),
    "track.deadline": ("节点期限", "Deadline"),
    "track.actual": ("实际完成", "Done on"),
    "track.status": ("状态", "Status"),
    "track.unit": ("责任单位", "Responsible unit"),
    "planned": ("计划日期", "Planned"),
    "actual": ("实际日期", "Done on"),
    "deadline": ("节点期限", "Deadline"),
    "deadline_from": ("期限来源", "Deadline from"),
    "overdue_days": ("逾期天数", "Days overdue"),
    "late_days": ("延期完成天数", "Days late"),
    "stage": ("阶段", "Stage"),
    "responsible_unit": ("责任单位", "Responsible unit"),
    "track.days": ("天", "days"),
    "track.tracked": ("跟踪项目", "Projects tracked"),
    "track.plan_land": ("规划用地", "Planned land"),
    "track.land": ("{ha:,.2f}公顷 / {mu:,.0f}亩", "{ha:,.2f} ha / {mu:,.0f} mu"),
    "track.overdue_list": ("逾期事项", "Overdue"),
    "track.overdue_outline": ("红框：有逾期节点", "Red outline: a stage overdue"),
    "track.status.done": ("按期完成", "done"),
    "track.status.done_late": ("延期完成", "done late by"),
    "track.status.overdue": ("逾期", "overdue by"),
    "track.status.due": ("即将到期", "due soon"),
    "track.status.pending": ("未到期", "pending"),
    "map.all_years": ("全部年份", "All years"),
    "map.year_filter": ("供地年份", "Handover year"),
    "swap": ("整合方式", "Consolidation"),
    "swap.merged": ("拼合地块", "merged site"),
    "swap.out": ("退出复垦、腾出指标", "returned, quota freed"),
    "swap.in": ("使用调剂指标", "used with freed quota"),
    "direction": ("方向", "Direction"),
    "scope": ("指标范围", "Quota scope"),
    "quota_ha": ("指标（公顷）", "Quota (ha)"),
    "report.consolidation": (
        "用地整合：拼合地块与指标置换",
        "Consolidation: merged sites and quota swaps",
    ),
    "report.sites_offered": ("候选拼合地块", "Merged sites offered"),
    "report.sites_used": ("落位于拼合地块的项目", "Projects on merged sites"),
    "report.swap_returned": ("退出复垦（块/公顷/亩）", "Returned (parcels/ha/mu)"),
    "report.swap_activated": (
        "使用调剂指标（块/公顷/亩）",
        "Activated with freed quota (parcels/ha/mu)",
    ),
    "returned_ha": ("退出面积（公顷）", "Returned (ha)"),
    "returned_mu": ("退出面积（亩）", "Returned (mu)"),
    "activated_ha": ("启用面积（公顷）", "Activated (ha)"),
    "activated_mu": ("启用面积（亩）", "Activated (mu)"),
    "freed_ha": ("腾出指标（公顷）", "Quota freed (ha)"),
    "used_ha": ("使用指标（公顷）", "Quota used (ha)"),
    "left_ha": ("指标结余（公顷）", "Quota left (ha)"),
    "scope.district": ("全区", "district"),
    "direction.out": ("退出", "out"),
    "direction.in": ("启用", "in"),
    "map.tiers": ("企业亩均评价分档", "Firms' tiers (yield per mu)"),
    "renewal.offered": ("列入腾退（可供新项目）", "offered for renewal"),
    "renewal.recovered": ("本方案腾退收回", "recovered in this plan"),
    "renewal": ("腾退", "Renewal"),
    "map.hide": ("收起", "hide"),
    # -- the report ---------------------------------------------------------------------
    "report.title": ("用地规划方案报告", "Land allocation report"),
    "report.headline": ("主要结果", "Headline results"),
    "report.kpis": ("规划指标与2025年目标", "Plan indicators against the 2025 targets"),
    "report.unplaced": ("未落位项目及原因", "Unplaced projects and why"),
    "report.placed": ("落位项目清单", "Placed projects"),
    "report.costshare": ("土地开发成本分摊（万元）", "Land development cost shares (10k yuan)"),
    "report.overview": ("总览图", "Overview map"),
    "report.solver": ("求解情况", "Solver"),
    "report.scenario": ("方案参数", "The scenario as run"),
    "report.positioning": ("园区定位与落位", "Parks' positioning and what was placed"),
    "report.positioning_note": (
        "★ 为园区主导产业；括号内为落在主导产业的项目数。",
        "★ marks a park's leading sectors; in brackets, projects placed in them.",
    ),
    "report.land_ha_mu": ("用地（公顷 / 亩）", "Land (ha / mu)"),
    "report.evaluation": (
        "存量企业亩均评价（按园区）",
        "Yield per mu of the firms on land in use, by park",
    ),
    "report.benchmarks": ("评价基准", "Benchmarks"),
    "report.renewal": ("腾笼换鸟：收回的低效用地", "Renewal: the low-yield land recovered"),
    "report.renewal_offered": (
        "列入腾退的地块（宗 / 面积）",
        "Offered for renewal (parcels / area)",
    ),
    "report.renewal_recovered": ("本方案收回", "Recovered in this plan"),
    "report.objective": ("目标值", "Objective"),
    "report.bound": ("上界", "Best bound"),
    "report.gap": ("相对间隙", "Gap"),
    "report.solver_name": ("求解器", "Solver"),
    "report.runtime": ("运行时间（秒）", "Run time (s)"),
    "report.model": ("模型规模", "Model"),
    "report.policy": ("政策测算", "Policy questions"),
    "report.scenario_name": ("方案 {name}", "scenario {name}"),
    "report.scenario_name_label": ("方案名称", "Scenario"),
    "report.crs": ("坐标系", "Coordinate reference system"),
    "report.phasing_years": ("规划年份", "Planning years"),
    "report.input_file": ("输入文件", "Input file"),
    "report.model_size": (
        "0-1变量{binaries:,}个，连续变量{continuous:,}个；约束{rows:,}条（{kinds}）；非零元{nonzeros:,}个",
        "{binaries:,} binaries, {continuous:,} continuous; {rows:,} rows ({kinds}); "
        "{nonzeros:,} nonzeros",
    ),
    "policy.binding": (
        "补贴预算{budget:,.0f}万元已用{used:,.0f}万元（{share:.1%}），预算约束是紧的。",
        "The subsidy budget of {budget:,.0f} 万元 is used to {used:,.0f} 万元 ({share:.1%}): "
        "it binds.",
    ),
    "policy.slack": (
        "补贴预算{budget:,.0f}万元已用{used:,.0f}万元（{share:.1%}），尚有余量，增加预算不会改变方案。",
        "The subsidy budget of {budget:,.0f} 万元 is used to {used:,.0f} 万元 ({share:.1%}): "
        "it has room, and more budget would not change the plan.",
    ),
    "policy.price": (
        "按线性松弛计，预算每增加1万元，目标值（按目标权重折算的万元）至多增加{price:,.1f}，"
        "这一影子价格在预算再增加{holds:,.0f}万元以内保持不变。",
        "In the LP relaxation each further 万元 of budget is worth up to {price:,.1f} on the "
        "objective (万元 at the objective's weights); this shadow price holds for the next "
        "{holds:,.0f} 万元.",
    ),
    "policy.price_open": (
        "按线性松弛计，预算每增加1万元，目标值（按目标权重折算的万元）至多增加{price:,.1f}。",
        "In the LP relaxation each further 万元 of budget is worth up to {price:,.1f} on the "
        "objective (万元 at the objective's weights).",
    ),
    "policy.step": (
        "若预算增加{amount:,.0f}万元（重新求解）：多落位{placed}个项目，其中高精尖{hightech}个"
        "（{added}）；年产值增加{output:,.0f}万元、税收增加{tax:,.0f}万元，实际多用补贴"
        "{subsidy:,.0f}万元；另有{moved}个项目调整地块。",
        "With {amount:,.0f} 万元 more budget (solved again): {placed} more projects placed, "
        "{hightech} of them high-tech ({added}); output up {output:,.0f} and tax up {tax:,.0f} "
        "万元 a year for {subsidy:,.0f} 万元 more subsidy; {moved} projects move.",
    ),
    "policy.step_none": (
        "若预算增加{amount:,.0f}万元（重新求解），方案不变。",
        "With {amount:,.0f} 万元 more budget (solved again) the plan stays as it is.",
    ),
    "policy.year_price": ("{year}年{price:,.1f}", "{year}: {price:,.1f}"),
    "policy.yearly": (
        "各年补贴预算的影子价格（按线性松弛计，目标值/万元）：{years}。",
        "Shadow prices of each year's budget (LP relaxation, objective per 万元): {years}.",
    ),
    "policy.no_place": (
        "{n}个项目没有任何符合条件的地块：{ids}。",
        "{n} project(s) have no eligible place at all: {ids}.",
    ),
    "policy.all_feasible": (
        "若要落位全部{n}个有可选地块的项目：需区级补贴{subsidy:,.0f}万元，用地{land:,.1f}公顷"
        "（{mu:,.0f}亩）。",
        "Placing all {n} projects that have an eligible place would take {subsidy:,.0f} 万元 of "
        "subsidy and {land:,.1f} ha ({mu:,.0f} mu) of land.",
    ),
    "policy.all_feasible_budget": (
        "若要落位全部{n}个有可选地块的项目（不受补贴预算限制）：需区级补贴{subsidy:,.0f}万元，"
        "超出预算{over:,.0f}万元；用地{land:,.1f}公顷（{mu:,.0f}亩）。",
        "Placing all {n} projects that have an eligible place (no budget limit) would take "
        "{subsidy:,.0f} 万元 of subsidy, {over:,.0f} 万元 over the budget, and {land:,.1f} ha "
        "({mu:,.0f} mu) of land.",
    ),
    "policy.all_infeasible": (
        "即使不受补贴预算限制，也无法同时落位全部{n}个有可选地块的项目：地块、年度供地上限和规划指标"
        "最多容纳{most}个。",
        "Even with no budget limit the {n} projects that have an eligible place cannot all be "
        "placed: the places, the annual land caps and the targets hold {most} at most.",
    ),
    "policy.park_burden": ("{park}每亩{per:,.1f}万元", "{park} {per:,.1f} 万元/mu"),
    "policy.spread": (
        "封顶差额由园区其他用地分担：共{burden:,.0f}万元，落在{mu:,.0f}亩上，平均每亩{per:,.1f}万元"
        "（{parks}）。",
        "The park's other land users bear the capped shortfall: {burden:,.0f} 万元 on {mu:,.0f} "
        "mu, {per:,.1f} 万元 per mu on average ({parks}).",
    ),
    "flag.positioning": (
        "高精尖项目偏离本产业主导园区：已落位的{n}个高精尖项目中只有{lead}个（{share:.0%}）"
        "在本产业主导园区，其他项目为{others:.0%}；其中{cheap}个落在平均土地成本最低的{park}。"
        "按{cap:.0%}封顶，低成本园区的区级补贴最少；若要按园区定位落位，可提高 "
        "objective.positioning 或为项目填写意向园区。",
        "High-tech projects leave the parks led by their sectors: of the {n} placed, {lead} "
        "({share:.0%}) sit in such a park, against {others:.0%} of the other projects; {cheap} "
        "went to {park}, the park with the lowest average land cost, where the {cap:.0%} cap "
        "costs the fund least. To place by the parks' positioning, raise objective.positioning "
        "or give projects a preferred park.",
    ),
    # headline figures (report and plan.xlsx)
    "head.placed": ("落位项目", "Projects placed"),
    "head.hightech": ("高精尖项目落位", "High-tech projects placed"),
    "head.major": ("重大项目落位", "Major projects placed"),
    "head.land_ha": ("使用土地（公顷）", "Land used (ha)"),
    "head.land_mu": ("使用土地（亩）", "Land used (mu)"),
    "head.subsidy": ("区级补贴（万元）", "District subsidy (10k yuan)"),
    "head.budget_used": ("补贴预算使用率", "Budget used"),
    "head.status": ("求解状态", "Solver status"),
    "head.gap": ("相对间隙", "Gap"),
    # the plan's indicators (summary.json's plan_targets and kpis)
    "head.baseline_year": ("{year}年", "{year}"),
    "head.target_year": ("{year}年目标", "{year} target"),
    "kpi.output_per_ha": ("地均工业产值", "Industrial output per unit land"),
    "kpi.labour_productivity": ("全员劳动生产率", "Labour productivity"),
    "kpi.rd_intensity": ("研发投入强度", "R&D intensity"),
    "kpi.hightech_output_share": ("高精尖产业占比", "High-tech share of output"),
    "kpi.output_per_mu": ("亩均产值", "Output per mu"),
    "kpi.tax_per_mu": ("亩均税收", "Tax per mu"),
    "unit.万元/ha": ("万元/公顷", "10k yuan/ha"),
    "unit.万元/mu": ("万元/亩", "10k yuan/mu"),
    "unit.万元/person": ("万元/人", "10k yuan/person"),
    "unit.%": ("%", "%"),
    "chart.share_of_target": ("占2025年目标的百分比（%）", "% of the 2025 target"),
    "chart.plan": ("本方案", "this plan"),
    "chart.target": ("2025年目标", "2025 target"),
    "chart.sector": ("产业", "Sector"),
    # the sheets of plan.xlsx
    "sheet.headline": ("主要结果", "Headline"),
    "sheet.kpis": ("指标对照", "Indicators"),
    "sheet.supply_plan": ("年度供地计划", "Annual supply plan"),
    "sheet.supply_by_year": ("分年汇总", "By year"),
    "sheet.tracking": ("挂图推进", "Tracking"),
    "sheet.page": ("第 &P 页，共 &N 页", "Page &P of &N"),
    "phasing.whole_period": ("全期合计", "Whole period"),
    "of": ("总数或上限", "Out of"),
    "proportion": ("比例", "Proportion"),
    "supply_mode": ("供地方式", "Supply mode"),
    "start_year": ("计划开工年份", "Start year"),
    "delay": ("延后（年）", "Delay (years)"),
    "bearers_mu": ("分担差额的用地（亩）", "Land bearing the shortfall (mu)"),
    "burden_per_mu": ("每亩分担（万元/亩）", "Burden per mu (10k yuan/mu)"),
    "sheet.allocation": ("项目落位", "Placed projects"),
    "sheet.costshare": ("成本分摊", "Cost shares"),
    "sheet.parks": ("园区汇总", "Parks"),
    "sheet.unplaced": ("未落位项目", "Unplaced projects"),
    "sheet.eval_firms": ("企业亩均评价", "Firms"),
    "sheet.eval_parks": ("园区分档汇总", "Parks by tier"),
    "sheet.eval_renewal": ("腾退收回地块", "Recovered land"),
    # -- the sweep page -----------------------------------------------------------------
    "sweep.title": ("参数敏感性分析：{name}", "Sweep of {name}"),
    "sweep.intro": (
        "共{runs}次运行，变化的参数：{keys}；用时{wall:.1f}秒。每张图给出一个参数变化时"
        "方案的结果，以及区级资金、其他用地和递延各承担多少。",
        "{runs} runs over {keys} in {wall:.1f} s. Each chart shows what the plan achieves "
        "and who bears the land cost as one setting changes.",
    ),
    "sweep.failed": (
        "{failed}个点（共{runs}个）运行失败，原因见下表。",
        "{failed} of {runs} points failed; their reasons are in the table.",
    ),
    "sweep.outcomes": ("结果随{key}的变化", "Outcomes against {key}"),
    "sweep.who_pays": ("谁承担土地开发成本（万元）", "Who bears the land cost (10k yuan)"),
    "sweep.all_points": ("全部运行点", "All points"),
    "sweep.point": ("运行点", "Point"),
    "sweep.open_plan": ("查看方案", "open plan"),
    "sweep.fund": ("区级资金补贴", "District fund (subsidy)"),
    "sweep.others": ("其他用地分担", "Other land users"),
    "sweep.deferred": ("递延分摊", "Deferred"),
    "sweep.error": ("失败原因", "Failure"),
    "sweep.wall_s": ("用时（秒）", "Run time (s)"),
    "sweep.placed": ("落位项目数", "Projects placed"),
    "sweep.budget_used": ("预算使用率（%）", "Budget used (%)"),
    "sweep.budget_shadow_price": (
        "预算影子价格（目标值/万元）",
        "Shadow price of the budget (objective per 10k yuan)",
    ),
    "sweep.burden_per_mu": ("其他用地每亩分担（万元/亩）", "Borne per mu by others (10k yuan/mu)"),
    "sweep.input_error": (
        "输入有误，详见 sweep.csv 的 reason 列",
        "bad input: see sweep.csv's reason",
    ),
    "sweep.solver_error": (
        "求解器出错，详见 sweep.csv 的 reason 列",
        "the solver failed: see sweep.csv",
    ),
    "sweep.worker_lost": (
        "计算进程中断或崩溃，详见 sweep.csv 的 reason 列",
        "a worker was lost or crashed: see sweep.csv",
    ),
    "sweep.hightech_placed": ("高精尖项目落位数", "High-tech projects placed"),
    "sweep.objective": ("目标值", "Objective"),
    "sweep.gap": ("相对间隙（%）", "Gap (%)"),
    "sweep.land_used_ha": ("使用土地（公顷）", "Land used (ha)"),
    "sweep.land_used_mu": ("使用土地（亩）", "Land used (mu)"),
    "sweep.subsidy": ("区级补贴（万元）", "District subsidy (10k yuan)"),
    "sweep.spread": ("其他用地分担（万元）", "Spread to others (10k yuan)"),
    "sweep.deferred_total": ("递延分摊（万元）", "Deferred (10k yuan)"),
    "sweep.status": ("求解状态", "Solver status"),
    "sweep.output_per_ha": ("地均产值（万元/公顷）", "Output per ha (10k yuan/ha)"),
    "sweep.tax_per_mu": ("亩均税收（万元/亩）", "Tax per mu (10k yuan/mu)"),
    "sweep.renewal_parcels": ("腾退收回地块（宗）", "Renewal parcels recovered"),
    "sweep.renewal_ha": ("腾退收回用地（公顷）", "Renewal land recovered (ha)"),
    # scenario keys a sweep commonly changes, and their named values
    "setting.costshare.cap_ratio": ("高精尖用地成本封顶比例", "High-tech cap ratio"),
    "setting.costshare.shortfall": ("封顶差额承担方", "Who bears the shortfall"),
    "setting.costshare.budget": ("区级补贴预算（万元）", "Subsidy budget (10k yuan)"),
    "setting.costshare.method": ("基准分摊方法", "Base share method"),
    "setting.objective.output": ("产值权重", "Weight of output"),
    "setting.objective.tax": ("税收权重", "Weight of tax"),
    "setting.objective.jobs": ("就业权重", "Weight of jobs"),
    "setting.objective.hightech": ("高精尖加分", "High-tech bonus"),
    "setting.objective.major": ("重大项目加分", "Major project bonus"),
    "setting.objective.subsidy": ("补贴权重", "Weight of subsidy"),
    "setting.objective.positioning": ("主导产业加分", "Positioning bonus"),
    "setting.objective.preferred_park": ("意向园区加分", "Preferred park bonus"),
    "setting.objective.land": ("用地成本（每公顷）", "Land weight (per ha)"),
    "setting.objective.spread": ("其他用地分担权重", "Weight of spread"),
    "setting.objective.priority": ("高精尖优先方式", "High-tech priority"),
    "setting.renewal.tiers": ("列入腾退的分档", "Tiers offered for renewal"),
    "setting.renewal.cost_per_ha": ("腾退收回成本（万元/公顷）", "Recovery cost (10k yuan/ha)"),
    "setting.renewal.available_year": ("腾退用地最早供地年份", "Renewal land available from"),
    "setting.renewal.lost_yield_weight": ("原企业产出损失权重", "Weight of the firms' lost yield"),
    "setting.evaluation.cap": ("单项得分上限", "Indicator score cap"),
    "setting.solver.gap": ("求解相对间隙", "Solver gap"),
    "setting.solver.time_limit": ("求解时间上限（秒）", "Solver time limit (s)"),
    "setting.solver.name": ("求解器", "Solver"),
    "value.subsidy": ("区级资金补贴", "district fund"),
    "value.spread": ("其他用地分担", "other land users"),
    "value.deferred": ("递延至后续出让", "deferred"),
    "value.area": ("按面积", "by area"),
    "value.actual": ("按实际成本", "actual cost"),
    "value.floor": ("按建筑面积", "by floor space"),
    "value.weighted": ("加权", "weighted"),
    "value.hightech_first": ("高精尖优先", "high-tech first"),
    "value.highs": ("HiGHS", "HiGHS"),
    "value.cbc": ("CBC", "CBC"),
}


def label(key: str, lang: str, default: str | None = None) -> str:
    """The fixed label ``key`` in ``lang`` (``zh`` or ``en``).

    Without ``default`` a missing key is a bug (``KeyError``); with it, ``default``
    stands in (for columns a user's own table may add).
    """
    if key not in CATALOGUE and default is not None:
        return default
    zh, en = CATALOGUE[key]
    return zh if lang == ZH else en


@dataclass(frozen=True)
class Words:
    """A sentence in both languages; ``str()`` is the English (for logs and scripts)."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en

    def in_(self, lang: str) -> str:
        return self.zh if lang == ZH else self.en


def say(key: str, /, **args: Any) -> Words:
    """The sentence ``key`` filled with ``args`` in both languages; an argument that
    is itself ``Words`` goes in in the matching language."""
    zh, en = CATALOGUE[key]

    def fill(template: str, lang: str) -> str:
        values = {k: v.in_(lang) if isinstance(v, Words) else v for k, v in args.items()}
        return template.format(**values)

    return Words(fill(zh, ZH), fill(en, EN))


def placeholders(template: str) -> set[str]:
    """The names a template fills (``{n}``, ``{value:,.0f}`` -> ``n``, ``value``)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
