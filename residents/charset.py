"""Character check and substitution for certificate names and addresses.

An electronic certificate may only hold characters of ASCII / JIS-Roman, JIS X 0208 (level 1
and level 2, including symbols, full-width alphanumerics and kana) and JIS X 0212 (補助漢字).
Python's ``iso2022_jp_1`` codec encodes exactly that set, so it is the reference used here,
one character at a time.

Characters typed on a Windows IME that are the *same JIS X 0208 code point* under the
Microsoft (CP932) mapping count as supported, e.g. U+FF0D FULLWIDTH HYPHEN-MINUS (JIS 1-1-61
MINUS SIGN) or U+FF5E FULLWIDTH TILDE (JIS 1-1-33 WAVE DASH). They pass unchanged.

The resident register keeps the true characters; the certificate text is derived from it with
:func:`substitute_characters_detailed`, which also tells which positions were substituted.
Where no substitute exists a :class:`~django.core.exceptions.ValidationError` names the
characters so that staff can enter the kana reading for that part instead.

The substitution table is :data:`DEFAULT_SUBSTITUTIONS` extended (and overridden) by the rows
of ``residents.models.CharacterSubstitution``; see :func:`substitution_table`.

Substitute values: a string (possibly empty: the character is dropped, e.g. a variation
selector) or ``None`` when there is no substitute.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from django.core.exceptions import ValidationError

__all__ = [
    "DEFAULT_SUBSTITUTIONS",
    "MICROSOFT_EQUIVALENTS",
    "check_text",
    "codepoint",
    "is_supported",
    "is_supported_char",
    "substitute_characters",
    "substitute_characters_detailed",
    "substitution_table",
    "unsupported_characters",
]

# The codec that encodes exactly ASCII/JIS-Roman + JIS X 0208 + JIS X 0212.
_REFERENCE_CODEC = "iso2022_jp_1"

# Characters that the Microsoft mapping (CP932) assigns to a JIS X 0208 code point whose
# JIS/Unicode mapping is a different character. Value: the character the reference codec uses
# for that same code point. (The test derives the CP932 part of this table from the codecs.)
MICROSOFT_EQUIVALENTS: dict[str, str] = {
    "\uff0d": "\u2212",  # － FULLWIDTH HYPHEN-MINUS -> − MINUS SIGN (JIS 1-1-61)
    "\uff5e": "\u301c",  # ～ FULLWIDTH TILDE -> 〜 WAVE DASH (JIS 1-1-33)
    "\u2225": "\u2016",  # ∥ PARALLEL TO -> ‖ DOUBLE VERTICAL LINE (JIS 1-1-34)
    "\uffe0": "\u00a2",  # ￠ FULLWIDTH CENT SIGN -> ¢ CENT SIGN (JIS 1-1-81)
    "\uffe1": "\u00a3",  # ￡ FULLWIDTH POUND SIGN -> £ POUND SIGN (JIS 1-1-82)
    "\uffe2": "\u00ac",  # ￢ FULLWIDTH NOT SIGN -> ¬ NOT SIGN (JIS 1-2-44)
    # JIS 1-1-29 is U+2015 HORIZONTAL BAR in the codec and CP932 but U+2014 EM DASH in the
    # JIS X 0221 / many other mappings; both denote the same code point.
    "\u2014": "\u2015",  # — EM DASH -> ― HORIZONTAL BAR (JIS 1-1-29)
}

# The shipped substitution table: variant characters (異体字) outside JIS X 0208 + JIS X 0212
# mapped to their standard form, which is supported. Generated and verified with the codec
# (see tests/residents/test_charset.py, which checks every entry). Keys are written as escapes
# so that no editor or tool can normalize a compatibility ideograph into its unified form.
DEFAULT_SUBSTITUTIONS: dict[str, str] = {
    "\uf929": "朗",  # 朗 U+F929 -> 朗 U+6717: CJK compatibility ideograph, canonical equivalent
    "\uf9dc": "隆",  # 隆 U+F9DC -> 隆 U+9686: CJK compatibility ideograph, canonical equivalent
    "\ufa10": "塚",  # 塚 U+FA10 -> 塚 U+585A: CJK compatibility ideograph, canonical equivalent
    "\ufa12": "晴",  # 晴 U+FA12 -> 晴 U+6674: CJK compatibility ideograph, canonical equivalent
    "\ufa15": "凞",  # 凞 U+FA15 -> 凞 U+51DE: CJK compatibility ideograph, canonical equivalent
    "\ufa16": "猪",  # 猪 U+FA16 -> 猪 U+732A: CJK compatibility ideograph, canonical equivalent
    "\ufa17": "益",  # 益 U+FA17 -> 益 U+76CA: CJK compatibility ideograph, canonical equivalent
    "\ufa18": "礼",  # 礼 U+FA18 -> 礼 U+793C: CJK compatibility ideograph, canonical equivalent
    "\ufa19": "神",  # 神 U+FA19 -> 神 U+795E: CJK compatibility ideograph, canonical equivalent
    "\ufa1a": "祥",  # 祥 U+FA1A -> 祥 U+7965: CJK compatibility ideograph, canonical equivalent
    "\ufa1b": "福",  # 福 U+FA1B -> 福 U+798F: CJK compatibility ideograph, canonical equivalent
    "\ufa1c": "靖",  # 靖 U+FA1C -> 靖 U+9756: CJK compatibility ideograph, canonical equivalent
    "\ufa1d": "精",  # 精 U+FA1D -> 精 U+7CBE: CJK compatibility ideograph, canonical equivalent
    "\ufa1e": "羽",  # 羽 U+FA1E -> 羽 U+7FBD: CJK compatibility ideograph, canonical equivalent
    "\ufa20": "蘒",  # 蘒 U+FA20 -> 蘒 U+8612: CJK compatibility ideograph, canonical equivalent
    "\ufa22": "諸",  # 諸 U+FA22 -> 諸 U+8AF8: CJK compatibility ideograph, canonical equivalent
    "\ufa25": "逸",  # 逸 U+FA25 -> 逸 U+9038: CJK compatibility ideograph, canonical equivalent
    "\ufa26": "都",  # 都 U+FA26 -> 都 U+90FD: CJK compatibility ideograph, canonical equivalent
    "\ufa2a": "飯",  # 飯 U+FA2A -> 飯 U+98EF: CJK compatibility ideograph, canonical equivalent
    "\ufa2b": "飼",  # 飼 U+FA2B -> 飼 U+98FC: CJK compatibility ideograph, canonical equivalent
    "\ufa2c": "館",  # 館 U+FA2C -> 館 U+9928: CJK compatibility ideograph, canonical equivalent
    "\ufa2d": "鶴",  # 鶴 U+FA2D -> 鶴 U+9DB4: CJK compatibility ideograph, canonical equivalent
    "\ufa2f": "隷",  # 隷 U+FA2F -> 隷 U+96B7: CJK compatibility ideograph, canonical equivalent
    "\ufa30": "侮",  # 侮 U+FA30 -> 侮 U+4FAE: CJK compatibility ideograph, canonical equivalent
    "\ufa31": "僧",  # 僧 U+FA31 -> 僧 U+50E7: CJK compatibility ideograph, canonical equivalent
    "\ufa32": "免",  # 免 U+FA32 -> 免 U+514D: CJK compatibility ideograph, canonical equivalent
    "\ufa33": "勉",  # 勉 U+FA33 -> 勉 U+52C9: CJK compatibility ideograph, canonical equivalent
    "\ufa34": "勤",  # 勤 U+FA34 -> 勤 U+52E4: CJK compatibility ideograph, canonical equivalent
    "\ufa35": "卑",  # 卑 U+FA35 -> 卑 U+5351: CJK compatibility ideograph, canonical equivalent
    "\ufa36": "喝",  # 喝 U+FA36 -> 喝 U+559D: CJK compatibility ideograph, canonical equivalent
    "\ufa37": "嘆",  # 嘆 U+FA37 -> 嘆 U+5606: CJK compatibility ideograph, canonical equivalent
    "\ufa38": "器",  # 器 U+FA38 -> 器 U+5668: CJK compatibility ideograph, canonical equivalent
    "\ufa39": "塀",  # 塀 U+FA39 -> 塀 U+5840: CJK compatibility ideograph, canonical equivalent
    "\ufa3a": "墨",  # 墨 U+FA3A -> 墨 U+58A8: CJK compatibility ideograph, canonical equivalent
    "\ufa3b": "層",  # 層 U+FA3B -> 層 U+5C64: CJK compatibility ideograph, canonical equivalent
    "\ufa3c": "屮",  # 屮 U+FA3C -> 屮 U+5C6E: CJK compatibility ideograph, canonical equivalent
    "\ufa3d": "悔",  # 悔 U+FA3D -> 悔 U+6094: CJK compatibility ideograph, canonical equivalent
    "\ufa3e": "慨",  # 慨 U+FA3E -> 慨 U+6168: CJK compatibility ideograph, canonical equivalent
    "\ufa3f": "憎",  # 憎 U+FA3F -> 憎 U+618E: CJK compatibility ideograph, canonical equivalent
    "\ufa40": "懲",  # 懲 U+FA40 -> 懲 U+61F2: CJK compatibility ideograph, canonical equivalent
    "\ufa41": "敏",  # 敏 U+FA41 -> 敏 U+654F: CJK compatibility ideograph, canonical equivalent
    "\ufa42": "既",  # 既 U+FA42 -> 既 U+65E2: CJK compatibility ideograph, canonical equivalent
    "\ufa43": "暑",  # 暑 U+FA43 -> 暑 U+6691: CJK compatibility ideograph, canonical equivalent
    "\ufa44": "梅",  # 梅 U+FA44 -> 梅 U+6885: CJK compatibility ideograph, canonical equivalent
    "\ufa45": "海",  # 海 U+FA45 -> 海 U+6D77: CJK compatibility ideograph, canonical equivalent
    "\ufa46": "渚",  # 渚 U+FA46 -> 渚 U+6E1A: CJK compatibility ideograph, canonical equivalent
    "\ufa47": "漢",  # 漢 U+FA47 -> 漢 U+6F22: CJK compatibility ideograph, canonical equivalent
    "\ufa48": "煮",  # 煮 U+FA48 -> 煮 U+716E: CJK compatibility ideograph, canonical equivalent
    "\ufa49": "爫",  # 爫 U+FA49 -> 爫 U+722B: CJK compatibility ideograph, canonical equivalent
    "\ufa4a": "琢",  # 琢 U+FA4A -> 琢 U+7422: CJK compatibility ideograph, canonical equivalent
    "\ufa4b": "碑",  # 碑 U+FA4B -> 碑 U+7891: CJK compatibility ideograph, canonical equivalent
    "\ufa4c": "社",  # 社 U+FA4C -> 社 U+793E: CJK compatibility ideograph, canonical equivalent
    "\ufa4d": "祉",  # 祉 U+FA4D -> 祉 U+7949: CJK compatibility ideograph, canonical equivalent
    "\ufa4e": "祈",  # 祈 U+FA4E -> 祈 U+7948: CJK compatibility ideograph, canonical equivalent
    "\ufa4f": "祐",  # 祐 U+FA4F -> 祐 U+7950: CJK compatibility ideograph, canonical equivalent
    "\ufa50": "祖",  # 祖 U+FA50 -> 祖 U+7956: CJK compatibility ideograph, canonical equivalent
    "\ufa51": "祝",  # 祝 U+FA51 -> 祝 U+795D: CJK compatibility ideograph, canonical equivalent
    "\ufa52": "禍",  # 禍 U+FA52 -> 禍 U+798D: CJK compatibility ideograph, canonical equivalent
    "\ufa53": "禎",  # 禎 U+FA53 -> 禎 U+798E: CJK compatibility ideograph, canonical equivalent
    "\ufa54": "穀",  # 穀 U+FA54 -> 穀 U+7A40: CJK compatibility ideograph, canonical equivalent
    "\ufa55": "突",  # 突 U+FA55 -> 突 U+7A81: CJK compatibility ideograph, canonical equivalent
    "\ufa56": "節",  # 節 U+FA56 -> 節 U+7BC0: CJK compatibility ideograph, canonical equivalent
    "\ufa57": "練",  # 練 U+FA57 -> 練 U+7DF4: CJK compatibility ideograph, canonical equivalent
    "\ufa58": "縉",  # 縉 U+FA58 -> 縉 U+7E09: CJK compatibility ideograph, canonical equivalent
    "\ufa59": "繁",  # 繁 U+FA59 -> 繁 U+7E41: CJK compatibility ideograph, canonical equivalent
    "\ufa5a": "署",  # 署 U+FA5A -> 署 U+7F72: CJK compatibility ideograph, canonical equivalent
    "\ufa5b": "者",  # 者 U+FA5B -> 者 U+8005: CJK compatibility ideograph, canonical equivalent
    "\ufa5c": "臭",  # 臭 U+FA5C -> 臭 U+81ED: CJK compatibility ideograph, canonical equivalent
    "\ufa5f": "著",  # 著 U+FA5F -> 著 U+8457: CJK compatibility ideograph, canonical equivalent
    "\ufa60": "褐",  # 褐 U+FA60 -> 褐 U+8910: CJK compatibility ideograph, canonical equivalent
    "\ufa61": "視",  # 視 U+FA61 -> 視 U+8996: CJK compatibility ideograph, canonical equivalent
    "\ufa62": "謁",  # 謁 U+FA62 -> 謁 U+8B01: CJK compatibility ideograph, canonical equivalent
    "\ufa63": "謹",  # 謹 U+FA63 -> 謹 U+8B39: CJK compatibility ideograph, canonical equivalent
    "\ufa64": "賓",  # 賓 U+FA64 -> 賓 U+8CD3: CJK compatibility ideograph, canonical equivalent
    "\ufa65": "贈",  # 贈 U+FA65 -> 贈 U+8D08: CJK compatibility ideograph, canonical equivalent
    "\ufa66": "辶",  # 辶 U+FA66 -> 辶 U+8FB6: CJK compatibility ideograph, canonical equivalent
    "\ufa67": "逸",  # 逸 U+FA67 -> 逸 U+9038: CJK compatibility ideograph, canonical equivalent
    "\ufa68": "難",  # 難 U+FA68 -> 難 U+96E3: CJK compatibility ideograph, canonical equivalent
    "\ufa69": "響",  # 響 U+FA69 -> 響 U+97FF: CJK compatibility ideograph, canonical equivalent
    "\ufa6a": "頻",  # 頻 U+FA6A -> 頻 U+983B: CJK compatibility ideograph, canonical equivalent
    "\ufa6b": "恵",  # 恵 U+FA6B -> 恵 U+6075: CJK compatibility ideograph, canonical equivalent
    "\ufa6d": "舘",  # 舘 U+FA6D -> 舘 U+8218: CJK compatibility ideograph, canonical equivalent
    "\ufa11": "崎",  # 﨑 U+FA11 -> 崎 U+5D0E: IBM extension 'tatsu-saki' variant of 崎
    "\ufa2e": "郎",  # 郞 U+FA2E -> 郎 U+90CE: compatibility ideograph of 郞 (old form), standard form 郎
    "\ufa6c": "熙",  # 𤋮 U+FA6C -> 熙 U+7199: compatibility ideograph of 𤋮 (variant of 熙)
    "\u9ad9": "高",  # 髙 U+9AD9 -> 高 U+9AD8: IBM extension 'hashigo-daka' variant of 高
    "\u51ec": "風",  # 凬 U+51EC -> 風 U+98A8: IBM extension variant of 風
    "\u5fb7": "徳",  # 德 U+5FB7 -> 徳 U+5FB3: IBM extension old form of 徳
    "\u6085": "悦",  # 悅 U+6085 -> 悦 U+60A6: IBM extension old form of 悦
    "\u654e": "教",  # 敎 U+654E -> 教 U+6559: IBM extension old form of 教
    "\u663b": "昂",  # 昻 U+663B -> 昂 U+6602: IBM extension variant of 昂
    "\u6801": "柳",  # 栁 U+6801 -> 柳 U+67F3: IBM extension variant of 柳
    "\u6a6b": "横",  # 橫 U+6A6B -> 横 U+6A2A: IBM extension old form of 横
    "\u6df8": "清",  # 淸 U+6DF8 -> 清 U+6E05: IBM extension old form of 清
    "\u7028": "瀬",  # 瀨 U+7028 -> 瀬 U+702C: IBM extension old form of 瀬
    "\u7da0": "緑",  # 綠 U+7DA0 -> 緑 U+7DD1: IBM extension old form of 緑
    "\u7dd6": "緒",  # 緖 U+7DD6 -> 緒 U+7DD2: IBM extension old form of 緒
    "\u85b0": "薫",  # 薰 U+85B0 -> 薫 U+85AB: IBM extension old form of 薫
    "\u8cf4": "頼",  # 賴 U+8CF4 -> 頼 U+983C: IBM extension old form of 頼
    "\u90de": "郎",  # 郞 U+90DE -> 郎 U+90CE: IBM extension old form of 郎
    "\u9115": "郷",  # 鄕 U+9115 -> 郷 U+90F7: IBM extension old form of 郷
    "\u9751": "青",  # 靑 U+9751 -> 青 U+9752: IBM extension old form of 青
    "\u9ed1": "黒",  # 黑 U+9ED1 -> 黒 U+9ED2: IBM extension old form of 黒
    "\u589e": "増",  # 增 U+589E -> 増 U+5897: IBM extension old form of 増
    "\u5bec": "寛",  # 寬 U+5BEC -> 寛 U+5BDB: IBM extension old form of 寛
    "\u7501": "瓶",  # 甁 U+7501 -> 瓶 U+74F6: IBM extension old form of 瓶
    "\u974d": "鶴",  # 靍 U+974D -> 鶴 U+9DB4: IBM extension variant of 鶴
    "\u9304": "録",  # 錄 U+9304 -> 録 U+9332: old form (JIS X 0213) of 録
    "\u6dda": "涙",  # 淚 U+6DDA -> 涙 U+6D99: old form (JIS X 0213) of 涙
    "\u8aaa": "説",  # 說 U+8AAA -> 説 U+8AAC: old form (JIS X 0213) of 説
    "\u66c6": "暦",  # 曆 U+66C6 -> 暦 U+66A6: old form (JIS X 0213) of 暦
    "\u6b77": "歴",  # 歷 U+6B77 -> 歴 U+6B74: old form (JIS X 0213) of 歴
    "\u934a": "錬",  # 鍊 U+934A -> 錬 U+932C: old form (JIS X 0213) of 錬
    "\u72c0": "状",  # 狀 U+72C0 -> 状 U+72B6: old form (JIS X 0213) of 状
    "\u69ea": "概",  # 槪 U+69EA -> 概 U+6982: old form (JIS X 0213) of 概
    "\u537d": "即",  # 卽 U+537D -> 即 U+5373: old form (JIS X 0213) of 即
    "\u543f": "告",  # 吿 U+543F -> 告 U+544A: old form (JIS X 0213) of 告
    "\u5de2": "巣",  # 巢 U+5DE2 -> 巣 U+5DE3: old form (JIS X 0213) of 巣
    "\u6b65": "歩",  # 步 U+6B65 -> 歩 U+6B69: old form (JIS X 0213) of 歩
    "\u6bcf": "毎",  # 每 U+6BCF -> 毎 U+6BCE: old form (JIS X 0213) of 毎
    "\u5167": "内",  # 內 U+5167 -> 内 U+5185: old form (JIS X 0213) of 内
    "\u4ff1": "倶",  # 俱 U+4FF1 -> 倶 U+5036: old form (JIS X 0213) of 倶
    "\u525d": "剥",  # 剝 U+525D -> 剥 U+5265: old form (JIS X 0213) of 剥
    "\u541e": "呑",  # 吞 U+541E -> 呑 U+5451: old form (JIS X 0213) of 呑
    "\u59f8": "妍",  # 姸 U+59F8 -> 妍 U+598D: old form (JIS X 0213) of 妍
    "\u5c5b": "屏",  # 屛 U+5C5B -> 屏 U+5C4F: old form (JIS X 0213) of 屏
    "\u5e77": "并",  # 幷 U+5E77 -> 并 U+5E76: old form (JIS X 0213) of 并
    "\u5653": "嘘",  # 噓 U+5653 -> 嘘 U+5618: old form (JIS X 0213) of 嘘
    "\u63ed": "掲",  # 揭 U+63ED -> 掲 U+63B2: old form (JIS X 0213) of 掲
    "\u665a": "晩",  # 晚 U+665A -> 晩 U+6669: old form (JIS X 0213) of 晩
    "\u6e34": "渇",  # 渴 U+6E34 -> 渇 U+6E07: old form (JIS X 0213) of 渇
    "\u6eab": "温",  # 溫 U+6EAB -> 温 U+6E29: old form (JIS X 0213) of 温
    "\u784f": "研",  # 硏 U+784F -> 研 U+7814: old form (JIS X 0213) of 研
    "\u7de3": "縁",  # 緣 U+7DE3 -> 縁 U+7E01: old form (JIS X 0213) of 縁
    "\u865b": "虚",  # 虛 U+865B -> 虚 U+865A: old form (JIS X 0213) of 虚
    "\u9ec3": "黄",  # 黃 U+9EC3 -> 黄 U+9EC4: old form (JIS X 0213) of 黄
    "\u6236": "戸",  # 戶 U+6236 -> 戸 U+6238: old form (JIS X 0213) of 戸
    "\u5c19": "尚",  # 尙 U+5C19 -> 尚 U+5C1A: old form (JIS X 0213) of 尚
    "\u5f65": "彦",  # 彥 U+5F65 -> 彦 U+5F66: old form (JIS X 0213) of 彦
    "\u65e3": "既",  # 旣 U+65E3 -> 既 U+65E2: old form (JIS X 0213) of 既
    "\u7522": "産",  # 產 U+7522 -> 産 U+7523: old form (JIS X 0213) of 産
    "\u7a05": "税",  # 稅 U+7A05 -> 税 U+7A0E: old form (JIS X 0213) of 税
    "\u812b": "脱",  # 脫 U+812B -> 脱 U+8131: old form (JIS X 0213) of 脱
    "\u87ec": "蝉",  # 蟬 U+87EC -> 蝉 U+8749: old form (JIS X 0213) of 蝉
    "\u92b3": "鋭",  # 銳 U+92B3 -> 鋭 U+92ED: old form (JIS X 0213) of 鋭
    "\u95b1": "閲",  # 閱 U+95B1 -> 閲 U+95B2: old form (JIS X 0213) of 閲
    "\u6b72": "歳",  # 歲 U+6B72 -> 歳 U+6B73: old form (JIS X 0213) of 歳
    "\u6d89": "渉",  # 涉 U+6D89 -> 渉 U+6E09: old form (JIS X 0213) of 渉
    "\u7d55": "絶",  # 絕 U+7D55 -> 絶 U+7D76: old form (JIS X 0213) of 絶
    "\u9a52": "騨",  # 驒 U+9A52 -> 騨 U+9A28: old form (JIS X 0213) of 騨 (飛驒)
    "\u3402": "喜",  # 㐂 U+3402 -> 喜 U+559C: Extension A variant of 喜
    "\U00020bb7": "吉",  # 𠮷 U+20BB7 -> 吉 U+5409: Extension B 'tsuchi-yoshi' variant of 吉
    "\U0002123d": "土",  # 𡈽 U+2123D -> 土 U+571F: Extension B dotted variant of 土
    "\U0002363a": "橋",  # 𣘺 U+2363A -> 橋 U+6A4B: Extension B variant of 橋
    "\U00020b9f": "叱",  # 𠮟 U+20B9F -> 叱 U+53F1: Extension B form of 叱 (JIS X 0213)
    "\U000242ee": "熙",  # 𤋮 U+242EE -> 熙 U+7199: Extension B variant of 熙
}

_HALFWIDTH_FORMS = range(0xFF61, 0xFFEF)  # half-width katakana/punctuation and half-width forms
_COMBINING_SOUND_MARKS = {"\u3099": "\u309b", "\u309a": "\u309c"}  # -> spacing ゛ ゜
_NO_SUBSTITUTE_CATEGORIES = {"Cc", "Cs"}  # control characters and (lone) surrogates


def codepoint(char: str) -> str:
    """The code point of one character as ``"U+9AD9"``."""
    return f"U+{ord(char):04X}"


def _is_variation_selector(char: str) -> bool:
    cp = ord(char)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


@lru_cache(maxsize=4096)
def is_supported_char(char: str) -> bool:
    """Whether one character (code point) can be held by a certificate."""
    if unicodedata.category(char) in _NO_SUBSTITUTE_CATEGORIES:
        return False
    if char in MICROSOFT_EQUIVALENTS:
        return True
    try:
        char.encode(_REFERENCE_CODEC)
    except UnicodeEncodeError:
        return False
    return True


def is_supported(text: str) -> bool:
    """Whether every character of ``text`` can be held by a certificate."""
    return all(is_supported_char(c) for c in text)


def unsupported_characters(text: str) -> list[tuple[int, str]]:
    """Positions (code point index) and characters of ``text`` a certificate cannot hold."""
    return [(i, c) for i, c in enumerate(text) if not is_supported_char(c)]


def substitution_table() -> dict[str, str]:
    """The effective table: ``DEFAULT_SUBSTITUTIONS`` updated with all CharacterSubstitution rows.

    One query per call, no cache (staff edits take effect at once). Falls back to the default
    table when the model or its table is not available (settings not configured, app registry
    not ready, migrations not yet applied).
    """
    table = dict(DEFAULT_SUBSTITUTIONS)
    try:
        from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
        from django.db import DatabaseError, transaction
    except ImportError:  # pragma: no cover - Django is a hard dependency
        return table
    try:
        from residents.models import CharacterSubstitution

        # A savepoint keeps a failing query (missing table) from breaking the caller's
        # transaction on PostgreSQL.
        with transaction.atomic(using=CharacterSubstitution.objects.db):
            rows = list(CharacterSubstitution.objects.values_list("original", "substitute"))
    except (ImportError, LookupError, AppRegistryNotReady, ImproperlyConfigured, DatabaseError):
        return table
    table.update(rows)
    return table


def _single_substitute(char: str, table: dict[str, str]) -> str | None:
    """The substitute for one unsupported character, without looking at its neighbours."""
    if unicodedata.category(char) in _NO_SUBSTITUTE_CATEGORIES:
        return None
    proposal = table.get(char)
    if proposal is not None and is_supported(proposal):
        return proposal
    if _is_variation_selector(char):
        return ""  # dropped; the base character before it is checked on its own
    if ord(char) in _HALFWIDTH_FORMS:
        normalized = unicodedata.normalize("NFKC", char)
        normalized = _COMBINING_SOUND_MARKS.get(normalized, normalized)
        if normalized != char and is_supported(normalized):
            return normalized
    if char in _COMBINING_SOUND_MARKS:
        return _COMBINING_SOUND_MARKS[char]
    # A canonical equivalent (NFC) counts as the character itself, in every script: a CJK
    # compatibility ideograph (U+F91D -> 欄), OHM SIGN -> Ω, ANGSTROM SIGN -> Å ...
    unified = unicodedata.normalize("NFC", char)
    if unified != char:
        if is_supported(unified):
            return unified
        proposal = table.get(unified)
        if proposal is not None and is_supported(proposal):
            return proposal
    return None


def _compose(base: str, mark: str) -> str | None:
    """The one supported character that ``base`` followed by the combining ``mark`` is canonically
    equivalent to (カ + U+3099 -> ガ, e + U+0301 -> é), else None."""
    composed = unicodedata.normalize("NFC", base + mark)
    if len(composed) == 1 and is_supported_char(composed):
        return composed
    return None


def _plan(text: str, table: dict[str, str] | None) -> list[tuple[int, str, str | None]]:
    """(position, character, substitute or None) for every unsupported character of ``text``.

    A half-width voiced / semi-voiced sound mark directly after a substituted half-width kana
    is merged into it when the composed full-width kana is supported (ｶﾞ -> ガ): the kana's
    substitute becomes the composed character and the mark's substitute is "". A combining mark
    is merged the same way into the character before it when the two are canonically equivalent
    (NFC) to one supported character (カ + U+3099 -> ガ, e + U+0301 -> é): that character then
    shows as substituted by the composed one, and the mark's substitute is "".
    """
    unsupported = unsupported_characters(text)
    if not unsupported:
        return []
    if table is None:
        table = substitution_table()
    plan: list[tuple[int, str, str | None]] = []
    for i, char in unsupported:
        substitute = _single_substitute(char, table)
        if char in ("\uff9e", "\uff9f") and plan:
            prev_i, prev_char, prev_sub = plan[-1]
            if prev_i == i - 1 and ord(prev_char) in _HALFWIDTH_FORMS and prev_sub:
                mark = "\u3099" if char == "\uff9e" else "\u309a"
                composed = unicodedata.normalize("NFC", prev_sub + mark)
                if len(composed) == 1 and is_supported_char(composed):
                    plan[-1] = (prev_i, prev_char, composed)
                    substitute = ""
        elif unicodedata.combining(char) and i:
            before = plan[-1] if plan and plan[-1][0] == i - 1 else (i - 1, text[i - 1], text[i - 1])
            composed = _compose(before[2], char) if before[2] else None
            if composed is not None:
                if plan and plan[-1][0] == i - 1:
                    plan.pop()
                plan.append((i - 1, before[1], composed))
                substitute = ""
        plan.append((i, char, substitute))
    return plan


def _display(char: str) -> str:
    """How a character is named in a message: itself if visible, else its code point."""
    category = unicodedata.category(char)
    if category[0] in ("C", "Z", "M") or _is_variation_selector(char):
        return codepoint(char)
    return char


def _raise_if_missing(plan: list[tuple[int, str, str | None]]) -> None:
    missing = [(i, c) for i, c, sub in plan if sub is None]
    if not missing:
        return
    listed = "、".join(f"{_display(c)}({i + 1}文字目)" for i, c in missing)
    raise ValidationError(
        "次の文字は電子証明書に使用できず、代替文字がありません: %(chars)s。かな表記を入力してください。",
        code="no_substitute",
        params={"chars": listed},
    )


def substitute_characters_detailed(text: str, *, table: dict[str, str] | None = None) -> tuple[str, list[int]]:
    """The certificate text for ``text`` and the positions (in ``text``) that were substituted.

    ``table`` replaces the effective substitution table (no database access); by default
    :func:`substitution_table` is read, and only when ``text`` has an unsupported character.
    Raises ``ValidationError`` naming the characters that have no substitute.
    """
    plan = _plan(text, table)
    _raise_if_missing(plan)
    if not plan:
        return text, []
    replacements = {i: sub for i, _char, sub in plan}
    result = "".join(replacements.get(i, c) for i, c in enumerate(text))
    return result, [i for i, _char, _sub in plan]


def substitute_characters(text: str, *, table: dict[str, str] | None = None) -> str:
    """The certificate text for ``text``; see :func:`substitute_characters_detailed`."""
    return substitute_characters_detailed(text, table=table)[0]


def check_text(text: str, *, table: dict[str, str] | None = None) -> list[dict]:
    """For the entry screen: one dict per unsupported character, in text order.

    ``{"position": 0, "char": "髙", "codepoint": "U+9AD9", "substitute": "高"}``; the
    substitute is ``None`` when there is none (kana must be entered) and ``""`` when the
    character is simply dropped (a variation selector).
    """
    return [
        {"position": i, "char": c, "codepoint": codepoint(c), "substitute": sub} for i, c, sub in _plan(text, table)
    ]
