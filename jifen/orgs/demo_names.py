"""Word lists for plausible Chinese names in the demo county (people, villages, townships)."""

from __future__ import annotations

# Common surnames, most frequent first; the weights follow the usual frequency ranking roughly.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤"
)
SURNAME_WEIGHTS = tuple(max(1, 60 - i) for i in range(len(SURNAMES)))

# Given-name characters by the era a person was born in, and gender.
GIVEN = {
    ("old", "M"): "国建军明华志德福贵富强林海山生文武忠春成永长宝发水金树庆祥荣兴洪振广学民",
    ("old", "F"): "秀英兰芳桂珍凤玉翠梅花琴淑云素美菊霞香莲娥春荣彩金爱巧月银",
    ("mid", "M"): "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁亮俊峰建东林志洋军凯鹏帅",
    ("mid", "F"): "丽娟敏静燕艳芳娜霞玲丹萍红洁琳颖倩婷慧晶雪莉娇媛蕾",
    ("young", "M"): "子轩浩宇博文睿泽梓一诺俊熙铭晨阳宸昊然天佑承嘉逸航奕锦",
    ("young", "F"): "欣怡梓涵诗雨萱可馨思佳语若彤紫依嘉琪悦梦晨一乐安可妍",
}

TOWNSHIP_PREFIXES = (
    "城关", "张集", "柳河", "石桥", "白马", "杨庄", "青龙", "双河", "马店", "高岭", "李寨", "黄湾", "龙泉", "桃园",
    "新店", "沙河", "三里", "河口", "东岗", "西营", "南塘", "北坡", "枣林", "长岭", "金山", "凤凰", "大营", "小集",
    "周口", "赵屯", "孙楼", "郭集", "钱庙", "吴寨", "冯店", "陈桥",
)
VILLAGE_FIRST = "东西南北前后大小上下新老柳杨桃杏枣桑石沙清双三五白黄青马龙凤高王李张刘陈赵孙周吴郭胡朱"
VILLAGE_SECOND = "河庄店营岗集湾桥沟坡寨屯坪塘庙楼园堡岭洼口台铺圩"
VILLAGE_FAMILY_SUFFIX = ("家庄", "家湾", "家寨", "家洼", "家岗", "家营", "家屯", "家楼", "家桥", "家店", "庄", "楼", "寨", "营", "屯")
COMMUNITY_NAMES = ("城东", "城西", "城南", "城北", "中心", "建设", "幸福", "和平", "人民", "文化", "振兴", "育才", "光明", "朝阳")

ORDINALS = "一二三四五六七八九十"


def ordinal(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (up to 99): grid and group names read the way a clerk writes them."""
    if n <= 10:
        return ORDINALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else ORDINALS[tens - 1]
    return head + "十" + (ORDINALS[ones - 1] if ones else "")


MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158",
    "159", "166", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199",
)

# 篇6: the laundry company's teams, codes and positions.
LAUNDRY_TEAMS = (
    ("xidi", "洗涤组", "洗涤工"),
    ("yuntang", "熨烫组", "熨烫工"),
    ("maojin", "毛巾组", "毛巾工"),
    ("baiban", "白班组", "折叠工"),
    ("xiaojie", "小洁组", "复检员"),
    ("weixiu", "设备维修", "维修工"),
    ("caiwu", "财务统计", "统计员"),
    ("huoshi", "伙食", "炊事员"),
)
# 篇8: the coal mine's teams (区队) and offices (部室).
MINE_UNITS = (
    ("zongcai", "综采队", "team", ("采煤工", "支架工", "电钳工")),
    ("juejin1", "掘进一队", "team", ("掘进工", "锚杆工", "电钳工")),
    ("juejin2", "掘进二队", "team", ("掘进工", "锚杆工", "电钳工")),
    ("jidian", "机电队", "team", ("电工", "钳工", "绞车司机")),
    ("tongfeng", "通风队", "team", ("通风工", "瓦斯检查工", "测风工")),
    ("yunshu", "运输队", "team", ("运输工", "信号工", "把钩工")),
    ("anjian", "安全监察部", "department", ("安全员", "安全检查工")),
    ("shengchan", "生产技术部", "department", ("技术员", "测量工", "地质员")),
    ("diaodu", "调度室", "department", ("调度员",)),
    ("renli", "人力资源部", "department", ("科员", "培训员")),
    ("caiwu", "财务部", "department", ("会计", "出纳")),
)
EDUCATION = ("初中", "高中", "中专", "大专", "本科", "硕士研究生")
SKILL_LEVELS = ("初级工", "中级工", "高级工", "技师", "高级技师")
ENGINEER_TITLES = ("助理工程师", "工程师", "高级工程师")
SPECIALITIES = ("急救", "驾驶", "焊接", "计算机", "文艺", "摄影", "写作", "书法", "篮球", "电工")
# 篇3: the school's subject groups and grade groups.
SUBJECT_GROUPS = (
    ("yuwen", "语文组", "语文"), ("shuxue", "数学组", "数学"), ("yingyu", "英语组", "英语"),
    ("wuli", "物理组", "物理"), ("huaxue", "化学组", "化学"), ("shengwu", "生物组", "生物"),
    ("zhengshidi", "政史地组", "政治"), ("yintimei", "音体美组", "体育"),
)
GRADE_GROUPS = (("gao1", "高一年级组"), ("gao2", "高二年级组"), ("gao3", "高三年级组"))
TEACHER_TITLES = ("二级教师", "一级教师", "高级教师", "正高级教师")
