"""Cue lexicon for the trope layer: data, not logic.

Every entry is a regex fragment over *normalised* text (lower-case, evasions undone by
``normalize``). ``cue_pattern`` wraps fragments in word boundaries and makes doubled letters
tolerant (``hollywood`` also matches ``holywood``/``hollywod`` left over after collapsing
stretched letters). ``cue_pattern`` groups give the sub-kind of a cue (``subkind``).

Kinds used by ``tropes``:
  IDENT      who is targeted: Jews, coded proxies (Zionists, Rothschilds, "the tribe"), slurs, echo
  CLAIM      control / plot verbs; OBJECT  what is controlled (banks, media, government, wars)
  trope cues khazar, holocaust + denial, blood libel, dual loyalty, protocols, ZOG, dehumanising
             words, violence, Israel context + collective blame, Nazi comparisons
  CONSPIRACY hidden orchestrator, follow the money, false flag, staged event, secret plan, cover-up
  speech     negation, counter-speech, attribution ("the claim that"), endorsement ("wake up")
"""
from __future__ import annotations

import re

_B = WORD_START = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"


def _tolerant(fragment: str) -> str:
    # "ll" -> "l{1,2}": the normaliser collapses stretched letters, be lenient about doubles
    return re.sub(r"(?<=.)([a-z])\1", r"\1{1,2}", fragment)  # not at the start: keeps a literal prefix


def _first_char(fragment: str) -> str | None:
    """The literal first character of a fragment, or None when it is a group, class or escape."""
    c = fragment[:1]
    if not (c.isalnum() or c in "'-/, "):
        return None
    if fragment[1:2] in ("?", "*", "{", "+"):
        return None
    return c


def _split_top(inner: str) -> list[str]:
    """Split a regex body on top-level '|' (not inside groups or classes)."""
    parts, depth, cls, start, i = [], 0, False, 0, 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\":
            i += 2
            continue
        if cls:
            cls = ch != "]"
        elif ch == "[":
            cls = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
        i += 1
    parts.append(inner[start:])
    return parts


def _expand(fragment: str, budget: int = 48) -> list[str]:
    """Distribute a leading group: "(?:the )?x" -> ["the x", "x"], "(?:a|b)c" -> ["ac", "bc"], so every
    branch starts with a literal character and can be bucketed.  Gives up (returns the fragment)
    when the group is repeated or the expansion grows too large."""
    if not fragment.startswith("(?:"):
        return [fragment]
    depth, i = 0, 0
    while i < len(fragment):
        ch = fragment[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                break
        i += 1
    inner, rest = fragment[3:i], fragment[i + 1:]
    optional = rest.startswith("?")
    if optional:
        rest = rest[1:]
    if rest[:1] in ("*", "+", "{", "?"):
        return [fragment]
    out: list[str] = []
    for branch in _split_top(inner) + ([""] if optional else []):
        out.extend(_expand(branch + rest, budget))
        if len(out) > budget:
            return [fragment]
    return out


def _trie(frags: list[str], depth: int = 0) -> str:
    """Factor literal prefixes into a trie of alternations: at a word starting "th" the engine then
    tests one branch per distinct next character instead of every "the ..." fragment in turn."""
    buckets: dict[str, list[str]] = {}
    misc: list[str] = []
    empty = False
    for f in frags:
        if f == "":
            empty = True
            continue
        c = _first_char(f) if depth < 12 else None
        if c is None:
            misc.append(f)
        else:
            buckets.setdefault(c, []).append(f[1:])
    parts = []
    for c, rests in buckets.items():
        sub = _trie(rests, depth + 1)
        parts.append(re.escape(c) + (f"(?:{sub})" if sub else ""))
    parts += misc
    if empty:
        parts.append("")  # the shorter match comes last: longer alternatives are tried first
    if not parts or parts == [""]:
        return ""
    body = "|".join(parts)
    if not misc and buckets and len(buckets) > 1 and not empty:
        # one character-class test rejects the whole level at most positions
        body = "(?=[" + "".join(re.escape(c) for c in buckets) + "])(?:" + body + ")"
    return body


def alt(*fragments: str) -> str:
    """Alternation compiled as a trie on literal prefixes (see ``_trie``)."""
    frags = [e for f in fragments for e in _expand(_tolerant(f))]
    return "(?:" + (_trie(frags) or "") + ")"


# pattern -> literal prefixes one of which must occur in a text for the pattern to match at all
# (None: no cheap gate).  ``tropes`` skips scans whose gate fails: a substring test is far cheaper
# than running a large alternation over the text.
# (keyed by id(): hashing a compiled pattern hashes its whole source string every time)
GATES: dict[int, tuple[str, ...] | None] = {}


def _literal_prefix(fragment: str) -> str:
    out = []
    for i, c in enumerate(fragment):
        if c in "()[]{}?*+|\\.^$":
            if (c in "?*" or (c == "{" and not fragment.startswith("{1,", i))) and out:
                out.pop()  # the previous char is optional
            break
        out.append(c)
    return "".join(out)


def _gate(fragments: tuple[str, ...]) -> tuple[str, ...] | None:
    prefixes = {_literal_prefix(e) for f in fragments for e in _expand(_tolerant(f))}
    if any(len(p) < 2 for p in prefixes):
        return None
    # short, non-redundant prefixes: fewer substring tests ("follow" covers "follow the money")
    short = sorted({p[:6] for p in prefixes}, key=len)
    kept: list[str] = []
    for p in short:
        if not any(k in p for k in kept):
            kept.append(p)
    # a long list of substring tests costs more than the scan it would save
    return tuple(kept) if len(kept) <= 12 else None


def cue(*fragments: str) -> re.Pattern[str]:
    """Word-bounded alternation of fragments."""
    pattern = re.compile(_B + alt(*fragments) + _E)
    GATES[id(pattern)] = _gate(fragments)
    return pattern


# pattern -> [(sub-kind, fullmatch regex)] for patterns built by ``cue_pattern``
SUBKINDS: dict[int, list[tuple[str, re.Pattern[str]]]] = {}


def cue_pattern(groups: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    """One regex over all groups' fragments (a single trie: far cheaper than named groups tried in
    turn); ``subkind`` tells afterwards which group a match belongs to."""
    all_frags = tuple(f for frags in groups.values() for f in frags)
    pattern = re.compile(_B + alt(*all_frags) + _E)
    GATES[id(pattern)] = _gate(all_frags)
    SUBKINDS[id(pattern)] = [(name, re.compile(alt(*frags))) for name, frags in groups.items()]
    return pattern


def subkind(pattern: re.Pattern[str], matched: str) -> str:
    """The first group (in definition order) whose fragments match the whole matched text."""
    kinds = SUBKINDS[id(pattern)]
    for name, rx in kinds:
        if rx.fullmatch(matched):
            return name
    return kinds[0][0]


JEW = r"(?:jew(?:s|z|ish|ry|esses|ess)?|jo{2}(?:s|z)|jo{2}ish|juden|jewboys?|jewess|j\*w(?:s|z|ish)?|j\*{2}s)"

# ----------------------------------------------------------------------------- who is targeted
# strength: how surely the term points at Jews (used as the base score of control claims)
IDENT_STRENGTH: dict[str, float] = {
    "jews": 0.9, "slur": 0.9, "echo": 0.9, "tribe": 0.85,
    "zionist": 0.8, "rothschild": 0.8, "banker": 0.75, "khazar": 0.8, "cosmopolitan": 0.8,
    "soros": 0.5, "globalist": 0.45, "lobby": 0.5, "goyim": 0.8, "jewish_context": 0.75, "insinuation": 0.7,
    "vague": 0.65,
}
# (((echo))): kept out of IDENT so IDENT stays a pure literal trie
ECHO = re.compile(_B + r"(?:\(\s?){3}[^()\n]{1,60}(?:\s?\)){3}")
IDENT = cue_pattern({
    "slur": (r"kikes?", r"k[i*]ke[sy]?", r"yids?", r"he{2}bs?", r"hebes", r"hymies?", r"sheenies", r"zhids?",
             r"jewboys?", r"zionazis?", r"zio-?nazis?", r"zios", r"zio", r"christ-? ?killers?",
             r"oven[- ]?dodgers?", r"shekel[- ]?grabbers?", r"hook[- ]?nosed?s?", r"kikery"),
    "jews": (JEW, r"international jew(?:s|ry)?", r"ashkenaz(?:i|im|is|ic)", r"hebrews", r"jewish people", r"talmudi(?:c|sts?)",
             r"synagogue of satan", r"israelites"),
    "tribe": (r"(?:the|that|a certain|this|their|certain|a tiny|a small|same|one|a single) tribe",
              r"(?:a certain|certain|that|the same|one) (?:tiny|small|little) tribe", r"tribe members", r"the chosen(?: ones| people| race| tribe)?",
              r"chosen (?:ones|people|race|tribe)", r"the goyim know", r"a certain (?:group|people|ethnicity|race)",
              r"you know who", r"(?:same|certain|particular|one|small|little|tiny) (?:little |small |tiny )?(?:ethnic|ethno-?religious) (?:group|minority|tribe|clan|network|mafia|cabal|clique)",
              r"members? of the tribe", r"nose tribe", r"skypes",
              r"(?:a |the )?certain ethnicity", r"(?:everyone|everybody|we all|you all|y'all) knows? who"),
    "zionist": (r"(?:the )?zionists", r"zionist (?:cabal|elites?|jews|mafia|entity|regime|masters?|overlords?|bankers?|globalists?|criminals|scum|pigs)",
                r"zionist", r"zionism"),
    "rothschild": (r"rot?h?schilds?", r"rothschild (?:family|bankers|dynasty|clan)", r"rothchilds?", r"rotschilds?"),
    "banker": (r"international (?:bankers?|financiers?|jewry|money ?lenders?)", r"(?:the )?globalist bankers?",
               r"(?:the same |globalist |international )?banking (?:families|dynasties|clans)", r"money ?changers", r"usurers",
               r"elders of zion", r"the elders", r"khazarian mafia"),
    "khazar": (r"khazars", r"khazarians?", r"kazars", r"khazar (?:jews|bloodlines?|elites?|mafia|cabal|descendants)"),
    "goyim": (r"(?:the )?goyim", r"goys", r"shabbos goys?"),
    "insinuation": (r"(?:say|name|guess) which tribe", r"which tribe", r"(?:we all|everyone|everybody|you all) knows? which (?:bankers|people|families|group|ones)",
                    r"the people (?:who|that|whose names?) (?:you |we )?(?:can'?t|cannot|mustn'?t) (?:be named|be mentioned|say|name|mention)",
                    r"(?:whose|who'?s) names? (?:you |we )?(?:can'?t|cannot|aren'?t allowed to) (?:say|be said|mention)",
                    r"(?:the )?same (?:kind|type|sort) of (?:surnames?|last names)", r"(?:the )?same bloodlines?", r"funny (?:last names|surnames)",
                    r"(?:look|check|research|dig) (?:up |into |at |on )?(?:their|the|his|her) (?:last names|surnames|backgrounds)",
                    r"small hats?", r"small hat (?:brigade|crowd|gang|club)", r"kosher neocons",
                    # "the same few families" / "same kind of names" / "anyone with a normal last name"
                    r"(?:the )?same (?:few|handful of|dozen|half dozen|couple of|small number of) (?:families|names|surnames|bloodlines|clans)",
                    r"(?:the )?same (?:kind|type|sort) of names?", r"normal (?:last names?|surnames?)",
                    r"(?:we all|everyone|everybody|you all|y'all) knows? which (?:dual citizens|citizens|lobby|donors|owners)",
                    r"(?:you|we) (?:all )?know (?:exactly )?which (?:people|group|families|ones) i mean"),
    # vague proxies: a finding only with an explicit control claim ("run by people of a certain background")
    "vague": (r"(?:of )?(?:a )?certain (?:background|heritage|persuasion|extraction|ancestry|descent)",
              r"(?:of )?(?:a |the )?(?:very )?(?:particular|same) (?:background|heritage|persuasion|extraction|ancestry|descent)",
              # "one small community ends up owning the banks", "the same group runs the press" (not "a small group of investors")
              r"(?:one|the same|that same) (?:tiny |small |little )?(?:group|community|minority|clique)(?! of)",
              r"(?:a|one|that) tiny (?:group|community|minority|clique)(?! of)",
              r"the usual suspects", r"guess who(?= (?:really )?(?:owns?|runs?|controls?|funds?))",
              r"(?:like |only |just |about |barely )?(?:2|two) ?(?:%|percent) of the population"),
    "jewish_context": (r"synagogues?", r"rabbis?", r"talmud", r"passover", r"purim", r"yom kippur", r"mohels?", r"bris"),
    "cosmopolitan": (r"rootless cosmopolitans?", r"cosmopolitans"),
    "soros": (r"(?:george )?soros", r"soros-?funded"),
    "globalist": (r"globalists", r"globalist (?:elites?|cabal|bankers?)", r"(?:the )?globalist"),
    "lobby": (r"(?:israel|israel's|jewish|zionist|israeli|kosher) lobby", r"aipac"),
})

# ----------------------------------------------------------------------------- control claims
STRONG_CLAIMS = frozenset({"control", "run", "own", "rule", "behind", "strings", "orchestrate", "charge",
                           "takeover", "grip", "infiltrate", "puppet"})
CLAIM = cue_pattern({
    "control": (r"control(?:s|led|ling)?", r"dominat(?:e|es|ed|ing|ion)", r"monopoli[sz](?:e|es|ed|ing)", r"monopoly",
                r"dictat(?:e|es|ed|ing)", r"steer(?:s|ed|ing)?", r"direct(?:s|ed|ing)?", r"hijack(?:s|ed|ing)?"),
    "run": (r"run(?:s|ning)?", r"ran"),
    "own": (r"own(?:s|ed|ing)?", r"jew-?owned", r"bought(?: off| up)?", r"buy(?:s|ing)? (?:off|up)"),
    "rule": (r"rul(?:e|es|ed|ing)", r"decid(?:e|es|ed|ing) (?:who|what|which)", r"pick(?:s|ed|ing)? (?:the|our|who|which)",
             r"choos(?:e|es|ing) (?:the|our|who|which)", r"select(?:s|ed)? (?:the|our|who)", r"call(?:s|ing)? (?:all )?the shots", r"pull(?:s|ed|ing)? the levers"),
    "behind": (r"behind", r"(?:is|are|was|were) at the bottom of", r"trac(?:e|es|ed) (?:back )?to", r"lead(?:s)? (?:back )?to",
               r"(?:is|are|was|were) (?:all )?(?:the )?fault of", r"(?:is|are|was|were) (?:all )?(?:due|down) to"),
    "pocket": (r"in (?:the|their) pockets? of", r"answer(?:s)? to", r"puppets? of", r"(?:take|takes|taking) orders from",
               r"bow(?:s)? (?:down )?to", r"(?:slaves?|servants?|lackeys?|stooges?|tools?) of", r"owned by", r"does whatever"),
    "strings": (r"pull(?:s|ed|ing)? (?:all )?(?:the|their) strings", r"strings", r"string-?pullers?"),
    "puppet": (r"puppet(?:s|eers?|eering)?", r"puppet ?masters?", r"marionettes?"),
    "orchestrate": (r"orchestrat(?:e|es|ed|ing|ors?)", r"engineer(?:s|ed|ing)?", r"mastermind(?:s|ed|ing)?",
                    r"instigat(?:e|es|ed|ing|ors?)", r"plott?(?:s|ed|ing)?", r"scheme(?:s|d)?", r"scheming", r"inventions?", r"creations?", r"conspiracy", r"operations?",
                    r"(?:a|an) (?:\w+ )?(?:project|idea|agenda|racket|scam)", r"propaganda(?: machine| arm| outlets?)?",
                    r"(?:had|has|have) it in for", r"organi[sz](?:e|es|ed|ing)", r"stag(?:e|ed|ing)",
                    r"manipulat(?:e|es|ed|ing|ion)", r"subvert(?:s|ed|ing)?", r"undermin(?:e|es|ed|ing)"),
    "charge": (r"(?:are|is|were|was) in charge of", r"hands on the (?:steering )?wheel(?: of)?", r"(?:end|ends|ended) up on top of", r"(?:a |an )?(?:iron |tight )?(?:grip|stranglehold|chokehold|hold) (?:on|over)",
               r"hands in", r"fingers in", r"claws in"),
    "takeover": (r"(?:took|take|taken|taking|takes) over", r"infiltrat(?:e|es|ed|ing|ion)"),
    "fund": (r"fund(?:s|ed|ing)?", r"financ(?:es|ed|ing)", r"bankroll(?:s|ed|ing)?", r"(?:pay|pays|paid|paying) for",
             r"sponsor(?:s|ed|ing)?"),
    "cause": (r"start(?:s|ed|ing)?", r"cook(?:s|ed|ing)? up", r"declare[sd]? war (?:on|against)",
              # narrow verbs: only with the object that makes them a plot ("a Jewish paper printed the story" is news)
              r"releas(?:e|es|ed|ing)(?= by| (?:the )?(?:virus|covid|omicron|plague|pandemic|bioweapons?))",
              r"print(?:s|ed|ing)?(?= (?:the |our |all the |more )?money)", r"crash(?:es|ed|ing)?(?= (?:the )?(?:stock )?(?:markets?|economy))", r"want(?:s|ed)?(?= (?:ww ?(?:1|2|i|ii)|wwii?|world war))", r"caus(?:e|es|ed|ing)", r"push(?:es|ed|ing)?", r"promot(?:e|es|ed|ing)",
              r"profit(?:s|ed|ing)? (?:from|off)", r"(?:got|get|gets|getting) rich (?:from|off)",
              r"made (?:a )?(?:fortune|billions|millions|money) (?:from|off)", r"want(?:s|ed)? (?:another |more |a |a new |new )?wars?", r"drag(?:s|ged|ging)? us into",
              r"(?:lure|lured|dragged|tricked) (?:us|america|the us|the world)", r"drag(?:s|ged|ging)? [a-z]+ into",
              r"stir(?:s|red|ring)? up", r"incit(?:e|es|ed|ing)", r"foment(?:s|ed|ing)?"),
})
# "controlled by", "funded by" -- passive: the agent follows "by"
PASSIVE_BY = re.compile(r"\s+(?:\w+\s+)?by" + _E)
# claims whose agent comes after them ("puppet of the Jewish lobby", "in the pocket of the Jews")
AGENT_AFTER = frozenset({"pocket"})
# claims that imply their object ("pulling the strings"): default object is "the world"
IMPLICIT_OBJECT = frozenset({"strings", "puppet"})

OBJECT_TROPE = {
    "finance": "control_finance", "media": "control_media", "government": "control_government",
    "country": "control_government", "wars": "orchestrate_wars", "world": "world_control",
    "immigration": "great_replacement",
}
OBJECT = cue_pattern({
    "finance": (r"banks", r"banking(?: system)?", r"the bank", r"central banks?", r"federal reserve", r"the fed",
                r"wall street", r"money(?: supply)?", r"finance", r"financial (?:system|world|sector|markets?)",
                r"(?:world|global) econom(?:y|ies)", r"the economy", r"economies", r"currenc(?:y|ies)", r"the gold",
                r"stock markets?", r"the imf", r"the world bank", r"usury", r"bankers", r"big banks", r"cash",
                r"(?:financial )?crash(?:es)?", r"central bankers?", r"the great depression",
                r"(?:every|all the|all of the) (?:houses?|homes?|buildings?|businesses|property|land|shops?)", r"the bank of england", r"recessions?", r"depressions?", r"inflation", r"financial cris(?:is|es)", r"blackrock",
                r"the (?:stock )?markets?",
                r"the purse strings", r"hyperinflation", r"investment banks?", r"hedge funds?", r"(?:the )?treasury",
                r"fed (?:chairs?|chairm[ae]n|governors|board)", r"bank boards?", r"bank chiefs?"),
    "media": (r"media", r"msm", r"press", r"news(?:papers?| networks?| outlets?)?", r"holl?ywood", r"tv", r"television",
              r"big tech", r"social media", r"universit(?:y|ies)", r"academia", r"porn(?:ography)?(?: industry)?", r"the education system", r"campus(?:es)?", r"entertainment(?: industry)?", r"film industry", r"music industry",
              r"publishing", r"the narrative", r"(?:tv |news )?channels?", r"editors?", r"studios", r"cnn", r"the bbc", r"newsrooms?", r"journalists", r"the networks",
              r"streaming (?:services|companies|platforms|giants)", r"studio (?:heads|bosses|executives)", r"news bosses"),
    "government": (r"governments?", r"congress", r"(?:the )?cabinet(?: picks?)?", r"senate", r"parliaments?", r"white house", r"washington",
                   r"politicians", r"politics", r"state department", r"both parties", r"democrats", r"republicans",
                   r"elections?", r"foreign policy", r"the president", r"presidents", r"world leaders", r"the eu",
                   r"the un", r"the state", r"the regime", r"lawmakers", r"the courts?", r"the police", r"the fbi",
                   r"the cia", r"nato", r"the west(?! bank)", r"western governments?", r"(?:every |the )?presidents?", r"prime ministers?",
                   r"(?:the )?candidates", r"ministers", r"(?:who )?gets elected", r"elected", r"the government's", r"mps", r"senators"),
    "country": (r"america", r"the us", r"the usa", r"the u\.s\.?", r"usa", r"britain", r"the uk", r"france", r"germany",
                r"russia", r"ukraine", r"europe", r"our country", r"this country", r"the country", r"our nation"),
    "wars": (r"wars?", r"every war", r"war hawks?", r"arms (?:makers|industry|dealers|manufacturers)", r"omicron", r"all (?:the )?wars", r"revolutions?", r"colou?r revolutions?", r"coups?",
             r"coup d'etat", r"9/11", r"911", r"world wars?", r"ww ?(?:1|2|i|ii|one|two)", r"wwii?", r"the holodomor",
             r"bolshevi(?:k|ks|sm)", r"communism", r"the russian revolution", r"unrest", r"riots", r"civil wars?",
             r"conflicts?", r"terror(?:ism|ist attacks)?", r"genocides?", r"the slave trade", r"slavery", r"the plague",
             r"pandemics?", r"covid", r"the virus", r"iraq", r"iran", r"afghanistan", r"syria", r"libya", r"vietnam", r"maidan",
             r"invasions?", r"bombings?", r"(?:both|all|every) sides?(?: of)?", r"trouble", r"division", r"chaos", r"strife", r"hatred"),
    "world": (r"the world", r"the whole world", r"(?:this|the) whole (?:thing|system|show)", r"(?:every|all the) institutions?",
              r"the planet", r"everything", r"it all", r"all of (?:it|this|that)",
              r"the scenes", r"humanity", r"mankind", r"the globe", r"world domination", r"the show", r"everyone",
              r"our lives", r"the whole (?:thing|system|show)", r"the system", r"society", r"this mess",
              r"what (?:you|we|people|they) (?:can |are allowed to |may )?(?:say|think|see|read|hear|believe)", r"free speech",
              r"the internet", r"online speech"),
    "immigration": (r"immigration", r"mass immigration", r"migrants?", r"refugees?", r"refugee crisis", r"migrant crisis",
                    r"migration", r"migrant boats", r"open borders", r"(?:the )?white race", r"white (?:nations|countries|people|europeans|christians)", r"white genocide",
                    r"the great replacement", r"replacement", r"multiculturalism", r"race[- ]mixing", r"diversity"),
})

# ----------------------------------------------------------------------------- named tropes
KHAZAR = cue(r"khazar(?:s|ian|ians|ia|ic)?", r"kazars?", r"chazars?", r"khazaria")
KHAZAR_CLAIM = cue(
    r"fake jews", r"not (?:real|true|actual|genuine) (?:jews|semites|israelites)", r"so-?called jews",
    r"impost[eo]rs?", r"(?:are|were) not semit(?:es|ic)", r"not semit(?:es|ic)", r"convert(?:s|ed)", r"descend(?:ed|ants?)?",
    r"descen(?:t|dants)", r"bloodlines?", r"(?:had|has|have) it in for", r"hat(?:e|es|ed|red)", r"revenge", r"vengeance",
    r"grudge", r"mafia", r"took over", r"real (?:jews|semites)", r"stole", r"stealing", r"usurp\w*", r"destroy(?:ed|ing)? russia",
)
KHAZAR_STANDALONE = cue(r"khazarian mafia", r"khazarian (?:jews|bankers|elites?|zionists|cabal|mob)",
                                        r"khazar (?:mafia|cabal|mob)")

HOLOCAUST = cue(
    r"holocaust", r"shoah", r"six million", r"6 million", r"6million", r"6,000,000", r"6m", r"gas chambers?", r"auschwitz",
    r"the camps", r"death camps", r"concentration camps", r"anne frank(?:'s)?(?: diary)?",
    r"(?:the )?diary of anne frank", r"extermination(?: story| camps?)?", r"treblinka", r"sobibor", r"mass gassings?",
)
HOLO_DENIAL = cue(
    r"hoax(?:es)?", r"myths?", r"lies?", r"lying", r"lied", r"fake", r"faked", r"fabricat(?:ed|ion|ions)", r"exaggerat(?:ed|ion)",
    r"never happened", r"(?:didn't|did not|never) (?:really )?happen", r"made up", r"invented", r"fairy ?tales?",
    r"impossible", r"(?:never|no) gas(?:sing|sed)?", r"delousing", r"(?:just|only|actually|really|mostly) (?:died of )?typhus", r"swimming pools?",
    r"inflated", r"(?:use|uses|using|used|exploit\w*|milk\w*|cash\w* in on|weaponi[sz]\w*) (?:the )?(?:holocaust|shoah)",
    r"guilt trip\w*", r"religion", r"heresy", r"(?:not allowed|forbidden|illegal|a crime) to (?:question|investigate|research|doubt|debate|ask questions)", r"(?:in|since|back in) 19(?:0\d|1\d)", r"never mention(?:ed|s)?",
    r"no mention of", r"printed in (?:the )?(?:news)?papers", r"questioning it", r"overblown", r"overstated", r"embellished", r"hyped", r"blown out of proportion", r"forg(?:ery|ed)", r"fantas(?:y|ies)",
    r"fiction(?:al)?",
    r"(?:didn't|did not|never) (?:die|exist)", r"propaganda", r"scam", r"fraud", r"alleged", r"so-?called",
    r"holocaust (?:industry|religion|cult|narrative|story)", r"biggest lie", r"a lie",
    r"cooked up", r"no cyanide", r"(?:get|gets|got|getting) (?:jailed|imprisoned|arrested)", r"transit camps?", r"labou?r camps?", r"showers? for lice", r"ballpoint(?: pen)?",
    r"(?:no|not one|not a single|show me one) (?:written )?(?:document|order|proof)", r"took place", r"greatest hoax",

)
HOLO_STANDALONE = cue(r"(?:nobody|no one|no jews?|not a single jew) (?:was|were|got) (?:ever )?gassed", r"gassed (?:nobody|no one|no-one)",
                      r"the real holocaust", r"holo-?hoax", r"(?:six |6 )?gorillions?", r"so-?called (?:holocaust )?survivors",
                      r"(?:not one|not a single|no) jews? (?:ever )?died in (?:a|the) gas chambers?", r"holohoax(?:ers)?", r"holocaust ?hoax", r"holocough",
                                      r"hollow ?cost", r"holocaust (?:industry|religion|cult)", r"holocaust 'survivors'",
                      r"survivors'? (?:seem to be|are) (?:immortal|multiplying)", r"more (?:survivors|of them) every year",
                      r"(?:question|questioning|investigate|doubt) any (?:other )?(?:historical )?event except",
                      r"only (?:historical )?event (?:you|we) (?:can'?t|cannot|aren'?t allowed to) question")
HOLO_COUNTER = cue(
    r"deniers?", r"denial(?:ism)?", r"deny(?:ing)?", r"denies", r"revisionis(?:m|ts?)", r"(?<!so-cal{2}ed )(?<!socal{2}ed )(?<!')survivors?(?!')", r"survived", r"never forget",
    r"remember(?:ing|ed|ance)?", r"historical fact", r"well[- ]documented", r"documented", r"murdered", r"(?:it|the holocaust) happened",
    r"did happen", r"memorial", r"museum", r"victims", r"perished",
)

BLOOD = cue(
    r"blood of (?:christian |gentile |non-?jewish |goyim |innocent |palestinian )?(?:children|babies|kids|infants)",
    r"(?:christian|gentile|goyim|children's|kids'|baby|babies') blood", r"ritual (?:murders?|sacrifices?|killings?|slaughter)",
    r"drink(?:s|ing)? (?:the )?blood", r"matz(?:o|oh|ah|ot)s? (?:is |are |was )?(?:made |baked )?(?:with|of|from) (?:(?:human|christian|children's|gentile) ){0,2}blood", r"blood (?:in|for) (?:the |their )?matz\w*",
    r"child sacrifices?", r"sacrific(?:e|es|ed|ing) (?:christian |gentile )?children", r"kill(?:s|ed|ing)? (?:christian|gentile) (?:children|babies|kids)",
    r"harvest(?:s|ed|ing)? (?:the )?organs(?: of)?", r"organ harvesting", r"adrenochrome", r"eat(?:s|ing)? (?:christian |gentile )?babies",
    r"ritual (?:killers?|murderers?)", r"bake(?:s|d)? (?:the )?blood", r"blood into (?:their |the )?(?:unleavened )?bread",
    r"(?:to use|use|uses|using) (?:their|the) blood", r"murder(?:s|ed|ing)? (?:christian |gentile )?(?:children|babies|kids|boys)",
    # modern variants: well poisoning and plague spreading, organ theft, blood rites
    r"poison(?:s|ed|ing)? (?:the |our )?(?:wells|water|vaccines?|food supply|medicine)", r"(?:spread|spreads|spreading|caused|started|released|unleashed) (?:the )?(?:black death|plague|pandemic|virus)",
    r"blamed for the (?:plague|black death)", r"organ (?:trafficking|trade|theft|harvesting rings?)", r"(?:steal|stole|stealing|steals) (?:their |the )?(?:organs|kidneys|corneas|skin)",
    r"kidneys in suitcases", r"(?:drain|drains|draining|suck|sucks|sucking) (?:the )?blood", r"blood rituals?", r"ritual (?:abuse|basements?)",
    r"missing (?:kids?|child(?:ren)?)(?: cases?)?", r"gentile blood", r"adrenochrome (?:elites?|harvest\w*)",
)

BLOOD_STANDALONE = cue(
    r"matz(?:o|oh|ah|ot)s? (?:is |are |was )?(?:made |baked )?(?:with|of|from) (?:(?:human|christian|children's|gentile) ){0,2}blood",
    r"blood (?:in|for) (?:the |their )?matz\w*", r"passover blood", r"(?:blood|ritual) (?:of|at|for) passover",
    r"(?:kids|children|babies) (?:go|going|went|gone) missing (?:around|before|at|during|near) passover",
    # organ theft from a victim group ("Israeli surgeons harvested organs from a brain-dead donor" is medicine)
    r"(?:israel|israelis|israeli (?:doctors|soldiers|army)|the idf|idf|zionists?|jews) (?:\w+ )?(?:harvest\w*|steal\w*|stole|take|takes|took|traffic\w*) (?:the )?organs (?:from|of) (?:\w+ ){0,2}(?:palestinians?|gentiles?|goyim|arabs?|haitians?|earthquake victims|children|kids|prisoners)",
    r"organs (?:harvested|stolen|taken) by (?:the )?(?:israelis?|idf|zionists|jews)",
    r"(?:israel|israeli|the idf|idf|zionist|tel aviv)(?:'s)? (?:\w+ )?organ (?:trafficking|trade|theft|harvesting)", r"organ (?:trafficking|trade|theft) (?:capital )?(?:in|of) (?:israel|tel aviv)",
    r"organ (?:trafficking|harvesting|theft) (?:capital )?(?:by|of) (?:israel|the idf|zionists)",
    r"(?:israel|israelis|the idf|idf|israeli (?:doctors|soldiers|army)) (?:\w+ ){0,4}(?:doing|do|did) with (?:the|their) organs",
    r"(?:kids?|children|child|babies|boys) (?:\w+ )?(?:go|goes|going|went|gone|vanish\w*|disappear\w*|missing) (?:around|before|at|during|near|close to) (?:synagogues?|the synagogue|their (?:holiday|holidays|festival))",
    r"every passover (?:there'?s|there is) (?:a )?(?:\w+ ){0,3}missing", r"(?:need|needs|want|wants|use|uses|using) (?:our |christian |gentile )?(?:children'?s|kids'?|babies'?) blood",
)

DUAL = cue(
    r"dual loyalt(?:y|ies)", r"(?:loyal|loyalty|allegiance) (?:is |lies )?(?:only |first |solely )?(?:to|with) (?:israel|tel aviv)",
    r"more loyal to israel", r"israel[- ]first(?:ers?)?", r"(?:serve|serves|serving|work for|works for|working for) israel",
    r"(?:real|true|first|only) (?:loyalty|allegiance)", r"agents? of (?:israel|a foreign (?:power|state|country)|the mossad)",
    r"foreign agents?", r"traitors?", r"treason(?:ous)?", r"put(?:s|ting)? israel (?:first|before|above)",
    r"not (?:real|true|loyal) (?:americans?|brits?|britons|germans?|french|citizens)", r"disloyal", r"fifth column",
    r"israel(?:'s)? interests? (?:first|above|over|before)", r"(?:loyalty|allegiance|loyalties)(?: [\w']+){0,6} (?:with|to|for) (?:israel|tel aviv)",
    r"real allegiance", r"wars? for israel", r"(?:die|dying|fight|fighting) for israel",
    r"israelis? first(?:,| and) (?:americans?|brits?|british|citizens|[a-z]+ second)", r"(?:nation|country|homeland|loyalty|allegiance) is (?:always )?(?:somewhere else|elsewhere|abroad)",
    r"(?:can|could)(?:not|'t| never| not) (?:ever )?be (?:real|true|loyal) (?:patriots|citizens|americans|brits)",
    r"negotiat\w+ for israel", r"(?:mouthpiece|spokes\w+|agents?|shills?) (?:for|of) (?:the )?(?:israeli (?:state|government)|israel|tel aviv|idf)",
    r"(?:never|won'?t|will not|wouldn'?t) vote against israel", r"loyalty test", r"which country'?s (?:interests|side)",
    r"sell(?:s|ing)? out (?:america|the us|britain|the uk|our country) (?:\w+ ){0,5}(?:netanyahu|israel)",
    r"where (?:his|her|their) (?:real |true )?loyalt(?:y|ies) lies?",
    r"where (?:his|her|their) (?:real |true )?loyalt(?:y|ies) (?:goes|is)", r"(?:take|takes|taking|took) (?:his |her |their )?orders from (?:the knesset|tel aviv|jerusalem|israel|netanyahu|(?:the )?mossad)",
    r"(?:sleeper |foreign )?agents? (?:for|of) (?:the )?mossad", r"sleeper agents?", r"(?:reports?|reporting|answers?) (?:for|to) (?:tel aviv|the knesset|jerusalem|netanyahu)",
    r"branch office of (?:the )?(?:israeli|israel)", r"foreign delegation", r"cares? more about (?:israel|a foreign (?:country|state)|a country (?:\w+ ){0,3}away)",
    r"loyal(?:ty)? to (?:netanyahu|the knesset|the idf|mossad|a foreign (?:state|country|flag))", r"(?:first|real|true) loyalty is to",
    r"dual citizens? (?:shouldn'?t|should not|can'?t|cannot) (?:be allowed )?(?:in|to|serve|vote|sit)",
)
# weaker dual-loyalty cues: only with an identity term in the same sentence ("Jewish judges shouldn't hear ... Israel")
DUAL_NEAR = cue(r"compromised by definition",
                r"shouldn'?t (?:be allowed to )?(?:vote|hear|rule|judge|report|decide|serve)(?: on)? (?:\w+ ){0,4}(?:israel|middle east|gaza|palestin\w*)",
                r"should not (?:be allowed to )?(?:vote|hear|rule|judge|report|decide|serve)(?: on)? (?:\w+ ){0,4}(?:israel|middle east|gaza|palestin\w*)")
DUAL_STANDALONE = cue(r"israel[- ]firsters?", r"israel[- ]first (?:traitors?|politicians|crowd|senators?|congressm[ae]n|shills?|caucus)",
                      r"(?:their|his|her) (?:real|true) (?:loyalty|allegiance) (?:is|lies) (?:with|to) israel")
# "the Jewish media lies": a group-owned institution + hostile verb, no explicit control verb
NOMINAL = cue_pattern({
    "media": (r"(?:jew|joo|jewish|j\*wish|j\*w|zionist|zio|jew-?run|jew-?owned|kosher) (?:media|press|msm|news|hollywood|tv|newspapers|networks)",),
    "finance": (r"(?:jew|jewish|j\*wish|j\*w|zionist|zio|jew-?run|jew-?owned) (?:banks|bankers|financiers|money|banking|gold|capital)",),
    "government": (r"(?:jew|jewish|zionist|zio) (?:lobby|government|regime|politicians|puppets|congress|senators)",),
})
HOSTILE = cue(
    r"lies", r"lying", r"liars?", r"hid(?:e|es|ing)", r"smear(?:s|ed|ing)?", r"censor(?:s|ed|ing|ship)?", r"brainwash(?:es|ed|ing)?",
    r"propaganda", r"cover(?:s|ed|ing)? up", r"silenc(?:e|es|ed|ing)", r"poison(?:s|ed|ing)?", r"manipulat\w*", r"corrupt\w*",
    r"destroy(?:s|ed|ing)?", r"push(?:es|ed|ing)?", r"agenda", r"control\w*", r"own(?:s|ed)?", r"run(?:s)?", r"rul(?:e|es)",
    r"buy(?:s)?", r"bought", r"decid(?:e|es)", r"won'?t (?:tell|report|show)", r"never (?:tell|report|show)", r"spin(?:s)?",
    r"promot(?:e|es|ing)", r"enslav\w*", r"parasit\w*", r"greed\w*", r"evil", r"wants?", r"behind", r"strings", r"puppets?",
    r"bleed(?:s|ing)?", r"rob(?:s|bed|bing)?", r"steal(?:s|ing)?", r"stole", r"cover(?:s|ing)? for",
)

PROTOCOLS = cue(r"protocols?(?: of (?:the )?(?:learned )?elders(?: of zion)?)?", r"elders of zion", r"protocols of zion",
                r"zionist protocols", r"protocol (?:no\.? )?\d{1,2}", r"the elders'? plan", r"learned elders", r"(?:24|twenty-?four) protocols")
PROT_TRUE = cue(
    r"true", r"real", r"genuine", r"authentic", r"coming true", r"came true", r"read (?:them|it|the protocols)", r"explains? (?:everything|it all)",
    r"blueprint", r"playbook", r"exactly", r"happening", r"prophetic", r"accurate", r"right", r"right about (?:everything|it all)", r"all in", r"all there", r"spelled out",
    r"(?:following|follow|followed) (?:the )?(?:plan|script|protocols)", r"unfold(?:s|ing)?", r"fulfilled", r"word for word",
    r"wake up", r"look around", r"the plan", r"to the letter", r"the (?:whole|entire) plan", r"the truth", r"called it",
    r"predicted", r"laid out", r"on schedule", r"warn(?:ed)? us", r"right about all of it", r"describes? (?:our|the|today'?s) world",
    r"(?:says|said|say) they(?:'d| would| will)",
    r"(?:come|comes|came) to pass", r"prophe(?:cy|cies|tic)", r"predict(?:s|ed|ing)?", r"(?:playing|plays|played) out", r"most accurate",
    r"knew (?:exactly )?what was coming", r"(?:says?|said) (?:that )?(?:the )?\w+ (?:will|would)", r"describ(?:e|es|ing) (?:\w+ ){0,3}(?:agenda|world|plan|today|present|reality|times)",
    r"tell me (?:it|they) (?:isn'?t|aren'?t|is not|are not)", r"ticked off", r"(?:now |then |just )(?:go )?look at", r"(?:a|the|so-?called) '(?:forgery|hoax|fake|fabrication)'",
)
PROT_STRONG = cue(r"it'?s all in", r"(?:were|are|was) right", r"right about (?:everything|it all)", r"exactly (?:what'?s|what is) happening", r"exactly (?:as|like)", r"all in the protocols", r"coming true", r"came true", r"read them", r"read the protocols", r"explains? (?:everything|it all)",
                                  r"blueprint", r"playbook", r"word for word", r"to the letter", r"prophetic", r"(?:are|were) (?:all )?(?:true|real|genuine|authentic)",
                                  r"describes? (?:our|the|today'?s) world", r"(?:says|said|say) they(?:'d| would| will)", r"right about all of it",
                                  r"(?:tried to |tries to )?warn(?:ed)? us", r"(?:come|comes|came) to pass", r"prophe(?:cy|cies|tic)", r"predict(?:s|ed|ing)?",
                                  r"(?:playing|plays|played) out (?:line by line|step by step|exactly|perfectly)", r"knew (?:exactly )?what was coming",
                                  r"(?:says?|said) (?:that )?(?:the )?\w+ (?:will|would)", r"(?:a|the|so-?called) '(?:forgery|hoax|fake|fabrication)'")
# "people say it's fake but ...", "whether or not it's a forgery, ..." -- the denial is waved away
PROT_REBUT = re.compile(r"(?:but|yet|however|still|whether or not|or not|even if|doesn't matter|does not matter|who cares|tell me|all you want"
                        r"|if (?:\w+ ){0,3}(?:are|were|is|was) (?:so )?(?:fake|forged|a forgery|a hoax)|ask yourself)" + _E)
PROT_FALSE = cue(
    r"forg(?:ery|eries|ed)", r"fake", r"fabricat(?:ed|ion)", r"hoax", r"okhrana", r"plagiari[sz](?:ed|m)", r"debunked",
    r"antisemitic", r"anti-semitic", r"propaganda", r"tsarist", r"czarist", r"discredited", r"fraud(?:ulent)?", r"not (?:true|real|genuine)",
    r"fiction(?:al)?", r"invented", r"hate (?:text|literature|tract)", r"exposed as",
)

ZOG = cue(
    r"zog", r"zionist[- ]occup(?:ied|ation)(?: (?:government|regime|washington|america|us|congress))?", r"zionist occupied",
    r"jew(?:ish)?[- ]occup(?:ied|ation)(?: government| regime)?", r"(?:occupied|controlled) by (?:the )?(?:zionists|jews)",
    r"kosher nostra", r"zionist[- ]controlled (?:government|congress|washington|america|us|media|west)",
    r"jew(?:ish)?[- ]controlled (?:government|congress|washington|america|us|media|west|banks)",
)

# "feeding off the host nation" is the parasite myth with or without naming Jews
DEHUM_STANDALONE = cue(r"(?:live|lives|living|feed|feeds|feeding|prey|preys|preying) (?:off|on) (?:the |their |every |each |its )?host (?:nations?|peoples?|countr(?:y|ies)|societ(?:y|ies))")
DEHUM = cue(
    r"vermin", r"(?:aren'?t|isn'?t|are not|is not) (?:fully |really |even |truly )?human", r"(?:a )?(?:separate|different|alien) (?:breed|species)",
    r"brood of vipers", r"parasit(?:e|es|ic|ical)", r"rats", r"a rat", r"cockroach(?:es)?", r"roaches", r"lice", r"louse", r"leech(?:es)?",
    r"bloodsuck(?:ers?|ing)", r"blood-?suck(?:ers?|ing)", r"termites?", r"maggots?", r"sub-?humans?", r"untermensch(?:en)?",
    r"(?:is|are|a|the|like|as) (?:a )?(?:disease|cancer|plague|virus|infection|tumou?r|pestilence|pest|pests|scourge)",
    r"(?:is|are|like|as|just|bunch of|pack of) (?:animals|beasts|snakes|serpents|pigs|apes|monkeys|dogs|devils|demons|filth|scum|swine|hyenas|vultures|locusts)",
    r"spawn of satan", r"children of (?:satan|the devil)", r"sons of satan", r"satanic", r"filthy", r"dirty", r"scum(?:bags)?",
    r"swine", r"infest(?:ed|ing|ation)?", r"greedy", r"money[- ]grubbing", r"rootless",
    r"(?:the |an |sworn )?enem(?:y|ies) of (?:every|all|the|our|white|christian) (?:\w+ )?(?:nations?|humanity|mankind|world|people|race|christians|west|civili[sz]ation)",
    r"destroyers? of (?:nations|civili[sz]ation|the west)", r"devil'?s (?:children|spawn|offspring|people)", r"sons of the devil",
    r"john 8:? ?44", r"(?:at war|waging war|been at war) (?:with|against) (?:europe|the west|christians?|christianity|whites?|white people|humanity|mankind|us|germany|russia|our (?:people|nation|race))", r"poison(?:s|ers?|ing)? (?:of )?(?:the )?(?:nations?|world|wells?|society)",
)
VIOLENCE = cue(
    r"gas (?:the|all|them|those|every)", r"(?:should|must|need to|ought to) (?:all )?be (?:gassed|exterminated|killed|burned|eradicated|wiped out|deported|removed|hanged|shot)",
    r"into the ovens?", r"(?:need|needs|want|wants|time for|bring back|bring) (?:a |the |another )?final solution",
    r"(?:should|must|need to|needs to|ought to|will|let's|lets|gonna|going to|time to|have to|has to|deserve to) (?:all )?(?:be )?(?:exterminat\w*|eradicat\w*|wiped? (?:them )?out|gass?(?:ed)?|kill(?:ed)?|burn(?:ed)?|hang(?:ed)?|shot|genocid\w*)",
    r"exterminate (?:them|the|all|every)", r"wipe (?:them|the \w+|all of them) out", r"(?:we|i) (?:will|would|should|must) (?:kill|gas|exterminate|wipe out)",
    r"hitler was right", r"hitler did nothing wrong", r"finish(?:ed)? (?:the|what hitler) (?:job|started)", r"should have finished",
    r"(?:6 |6|six )million (?:wasn't|was not|weren't|were not|is not|isn't) enough", r"six million (?:wasn't|was not|weren't|is not|isn't) enough",
    r"death to (?:the |all )?(?:jews|them|zionists|kikes|yids)", r"kill (?:all |every )?(?:the |them|every)", r"burn(?: down)?(?: the| their| all)? (?:synagogues?|them)",
    r"(?:send|put|throw) them (?:to|in|into) the (?:ovens?|camps|gas chambers?)", r"day of the rope", r"1488", r"14 ?88", r"sieg heil",
    r"heil hitler",
)

VIOLENCE_STANDALONE = cue(
    r"hitler was right", r"hitler did nothing wrong", r"(?:hitler )?should have finished (?:the|his) job", r"finish(?:ed)? what hitler started",
    r"(?:6 |6|six )million (?:wasn't|was not|weren't|were not|is not|isn't|ain't) enough", r"gas the (?:jews|kikes|yids|zionists)",
    r"death to (?:the |all )?(?:jews|kikes|yids)", r"heil hitler", r"day of the rope", r"1488", r"final solution 2",
    r"(?:the )?jewish question (?:must|needs to|has to|should|will) be (?:answered|solved|settled|dealt with|resolved)",
    r"(?:solve|solving|answer|answering|settle|settling) the jewish question",
)
# hostile stereotypes: greed, cheating, disloyal "typical Jew"; no negation check (they *are* negative)
STEREOTYPE = cue(
    r"greed(?:y)?", r"money[- ]grubbing", r"cheat(?:s|ing|ed|ers?)?", r"(?:never|don't|do not|can't|cannot) trust", r"untrustworthy",
    r"only care(?:s)? about (?:money|power|themselves)", r"(?:money|shekels) and power", r"counting (?:their )?(?:money|shekels|coins)",
    r"typical", r"sneaky", r"dishonest", r"(?:stop|keep) (?:the )?(?:jews?|them) (?:out|away)", r"(?:i|we) (?:hate|despise|can't stand|cannot stand|don't like|do not like|dislike)",
    r"stingy", r"miserly", r"play(?:s|ing)? the victim", r"victim card", r"rob(?:s|bing|bed)? (?:the world|us|everyone|the goyim)", r"bring(?:s)? (?:nothing but )?(?:misery|death|destruction|chaos|ruin|trouble)", r"wherever they go",
    r"(?:poison|poisons|poisoning|corrupt|corrupts|corrupting|brainwash|brainwashes|brainwashing|degrad\w+) (?:our|the|your) (?:children|kids|youth|minds|culture|society|nation|people|women|young)", r"in their blood", r"(?:jew|jewed) (?:him|her|me|us|you|them)? ?down", r"jewed",
)

DEICIDE = cue(r"(?:killed|murdered|crucified|executed) (?:jesus|christ|our lord|the messiah|god)", r"christ-? ?killers?",
              r"deicide", r"killed our (?:lord|saviou?r)")
# standalone coded phrases for the war / revolution myth
WARS_STANDALONE = cue(r"judeo-?bolshevi(?:k|ks|sm|st|sts)", r"jewish bolshevi(?:k|ks|sm)", r"(?:the )?jew world order",
                      r"wars? for israel", r"(?:fight|fighting|fought|die|dying|died) (?:for )?israel'?s (?:wars|enemies|battles)",
                      r"dancing israelis", r"(?:the )?(?:jews|jewry|judea) declare[sd]? war (?:on|against) (?:germany|hitler)")
# with an identity term nearby: "the Jews want to destroy the white race"
REPLACEMENT = cue(r"destroy\w* (?:the )?(?:white race|white (?:nations|countries|people|europeans)|europe|the west|western civili[sz]ation|christianity)",
                  r"replac\w+ (?:white|us|europeans|the white|native)", r"white genocide", r"(?:flood|flooding|floods) (?:our|the west|europe|america)")
ALWAYS_THEM = cue(r"(?:it'?s|it is|it was|it'?s been) always (?:the )?(?:jews|joos|jooz|tribe|zionists|rothschilds|chosen ones|chosen people)",
                  r"always (?:the )?(?:jews|joos|jooz|zionists|rothschilds)(?:'s?)? fault")

# "they aren't even Semites": the impostor myth without naming the Khazars
IMPOSTOR = cue(r"fake jews", r"so-?called jews", r"not (?:even )?(?:real|true|actual|genuine) (?:jews|israelites)",
               r"(?:aren't|are not) (?:even )?(?:real|true) jews")
# "they aren't even Semites" only counts next to an identity term (else: "unless Arabs aren't Semitic")
NOT_SEMITES = cue(r"(?:aren't|are not|were not|weren't) (?:even |real |true )?semit(?:es|ic)", r"not (?:even )?(?:real|true) semites")
# "bankers of a certain persuasion": the finance myth with the group left unnamed
CODED_FINANCE = cue(r"(?:globalist |international |central |jewish )?(?:bankers?|financiers?|money ?(?:men|lenders|changers)|moneylenders|banking famil(?:y|ies))"
                    r" of (?:a )?(?:certain|particular|specific|very specific|very particular) (?:persuasion|background|heritage|ethnicity|extraction|faith|tribe|descent|ancestry)")
# in-group mockery memes of antisemitic forums
CODED_MEME = cue(r"shalom,? goyim", r"oy vey,? (?:the )?goyim", r"the goyim know", r"shut it down,? (?:the )?goyim",
                 r"happy merchants?", r"the merchant", r"early life section", r"every single time",
                 r"(?:the )?small hats", r"small hat (?:brigade|crowd|gang)", r"follow the shekels?",
                 # "noticing" as the in-group word for listing Jewish names
                 r"the noticing", r"(?:banned|suspended|fired|cancell?ed|censored|arrested|jailed|punished) for noticing",
                 r"noticing (?:isn'?t|is not|is now|is still) (?:a crime|hate|illegal|antisemitic|allowed)",
                 # the pseudo-Voltaire "who you are not allowed to criticise (rules you)"
                 r"who (?:you(?:'re| are)|we(?:'re| are)) not allowed to critici[sz]e",
                 r"(?:those|the ones|people|group) (?:who|that|you) (?:can'?t|cannot|can never|are not allowed to|aren'?t allowed to) (?:be )?critici[sz]e(?:d)?")

ISRAEL_CTX = cue(
    r"israel(?:i|is|'s)?", r"gaza(?:ns)?", r"rafah", r"palestin(?:e|ian|ians)", r"idf", r"west bank", r"netanyahu", r"genocide",
    r"apartheid", r"occupation", r"settlers?", r"the middle east", r"lebanon", r"the zionist state", r"zionists?", r"ethnic cleansing",
)
BLAME = cue(
    r"responsible", r"(?:should|must|ought to) be ashamed", r"representatives? of (?:the )?(?:idf|israel|israeli army|israeli state)", r"complicit", r"guilty", r"to blame", r"blood on (?:their|your|his|her) hands", r"answer for", r"pay for",
    r"deserve(?:s|d)?", r"accountable", r"kill(?:s|ed|ing|ers)?", r"murder(?:s|ed|ing|ers|ous)?", r"slaughter(?:s|ed|ing)?",
    r"genocid(?:e|al)", r"commit(?:s|ted|ting)? genocide", r"blood on (?:its|our) hands", r"massacr(?:e|es|ed|ing)", r"ethnic(?:ally)? cleans(?:e|ing)",
    r"baby[- ]killers?", r"child[- ]killers?", r"butcher(?:s|ed|ing)?", r"terrorists?", r"war criminals", r"steal(?:s|ing)? (?:land|palestine)",
    r"stole (?:palestine|the land)", r"occupy(?:ing)? palestine", r"bomb(?:s|ed|ing)", r"starv(?:e|es|ed|ing)",
)
BLAME_STANDALONE = cue(r"boycott (?:every|all|any|the) (?:jewish|jew)(?:-owned| owned)? (?:shops?|businesses|stores?|restaurants?|bakery|bakeries)")
UNIVERSAL = cue(r"every (?:last|single) one", r"(?:like )?the rest of them", r"all of them", r"each and every", r"the lot of them", r"collectively",
                                 r"as a whole", r"(?:they're|they are|you're|you are) all", r"(?:all|every) (?:the )?jews?", r"every jewish")
NOT_COLLECTIVE = re.compile(alt(
    r"many", r"some", r"most", r"anti-?zionist", r"progressive", r"israeli", r"american", r"british", r"diaspora", r"young",
    r"orthodox", r"ultra-?orthodox", r"secular", r"those", r"these", r"other", r"few", r"non-?zionist", r"liberal", r"haredi",
    r"individual", r"religious", r"brave",
) + r" $")
NAZI_CMP = cue(
    r"(?:israel|israelis|zionists|jews|the idf|idf|zionism|netanyahu)(?: is| are| =|:)? (?:the )?(?:new |real |just like |like |worse than |no different from |no better than )?(?:the )?(?:nazis|nazi germany|hitler|the ss|gestapo|third reich|fascists)",
    r"(?:doing|do|did) to (?:the )?palestinians what (?:the )?(?:nazis|hitler|germans?) did",
    r"(?:star of david|magen david)(?: is| =| equals)? (?:the )?(?:new )?swastika", r"gaza (?:is|=) (?:the new )?(?:auschwitz|warsaw ghetto|a concentration camp)",
    r"learn(?:ed|t)? (?:from|it from) (?:the )?(?:nazis|hitler)", r"zio-?nazi(?:s|sm)?", r"israhell", r"nazi israel", r"ziocaust",
)

ZIO_CLAIM = cue(
    r"apocalyptic", r"end-? ?times?", r"armageddon", r"doomsday", r"satan(?:ic|ists?)?", r"demonic", r"evil", r"bloodthirsty",
    r"cult(?:s|ish)?", r"cabal", r"world domination", r"dominat(?:e|ion)", r"rule the world", r"control the world",
    r"(?:want|wants|plan|plans|planning) to (?:rule|control|destroy|take over|dominate)", r"behind", r"puppet\w*", r"plot(?:s|ting)?",
    r"agenda", r"schem(?:e|es|ing)", r"greater israel", r"crazy", r"craziness", r"lunatics?", r"psychopaths?", r"madmen",
    r"fanatics?", r"messianic", r"the real (?:terrorists|enemy)", r"enemy of (?:humanity|mankind|the world)", r"globalist",
    r"supremacists?", r"(?:run|own|control)(?:s|ed)? (?:everything|the world|us)",
)

WORLD_DOM = cue(r"world domination", r"global domination", r"(?:rule|control|own|run|dominate|enslave|take over) (?:the )?(?:whole )?(?:world|planet|humanity|mankind|globe)",
                r"enslav\w* (?:the )?(?:goyim|gentiles|us all|the rest of us|christians|whites|white people|nations)",
                              r"world (?:government|control|power)", r"master race", r"superior race")

SLUR_REPORT = cue(
    r"called (?:me|us|him|her|them|my \w+)", r"the word", r"slurs?", r"n-word", r"k-word", r"yell(?:ed|ing)", r"shout(?:ed|ing)",
    r"graffiti", r"spray-?paint(?:ed)?", r"scrawl(?:ed)?", r"daubed", r"reported", r"victims?", r"hate crimes?", r"tottenham",
    r"spurs", r"yid army", r"calling (?:someone|people|him|her|them|jews|a jew|us)", r"call(?:s|ed)? us", r"used as", r"substitute",
    r"terms?", r"words?", r"epithets?", r"language", r"(?:is|was) (?:an? )?(?:antisemitic )?slur",
)

# ----------------------------------------------------------------------------- conspiracy
CONSPIRACY_SCORE: dict[str, float] = {
    "hidden_orchestrator": 0.7, "orchestrator_weak": 0.45, "follow_the_money": 0.6, "money_weak": 0.45,
    "false_flag": 0.75, "staged_event": 0.75, "secret_plan": 0.75, "cover_up": 0.6, "cover_weak": 0.4,
}
CONSPIRACY = cue_pattern({
    "hidden_orchestrator": (
        r"coordinated from (?:a single|one) (?:center|centre|command)", r"(?:as if )?on a single command",
        r"(?:orchestrated|organi[sz]ed|directed|controlled|run|financed|funded|planned|instigated|engineered|backed|sponsored|staged) (?:from abroad|by (?:the )?(?:west|cia|us|usa|americans|state department|foreign (?:powers?|agents?|forces|intelligence|governments?)|washington|nato|mi6|nwo|deep state|elites?|cabal|shadow government|puppet ?masters?|powers that be|globalists|soros))",
        r"puppet ?masters?", r"pull(?:s|ing)? (?:all )?the strings", r"string-?pullers?",
        r"they want (?:you|us) to (?:believe|think|be|feel|stay|fight|hate|get|take|forget|comply|obey|fear|consume|accept)",
        r"(?:the )?(?:elites?|global elites?|globalists|powers that be|tptb|deep state|cabal|shadow government|those in power|ruling class) (?:planned|engineered|orchestrated|staged|manufactured|created|released|want(?:s|ed)? (?:this|it|us|you|war)|control(?:s|led)? (?:everything|us|the world)|are behind)",
        r"secret (?:society|societies|elites?|cabal|government|rulers)",
        r"controlled opposition", r"nothing (?:is|happens) (?:by )?(?:an )?(?:accident|coincidence)", r"there are no coincidences",
        r"it'?s all (?:planned|connected|orchestrated|a setup|scripted|part of the plan)", r"all part of (?:the|their|a) plan",
        r"colou?r revolutions? (?:orchestrated|funded|financed|organi[sz]ed|engineered|backed|sponsored|staged)",
        r"foreign-?(?:directed|backed|sponsored|funded|organi[sz]ed) (?:riots|protests|unrest|coups?|revolutions?|uprisings?)",
        r"(?:orchestrated|organi[sz]ed|planned|directed) (?:from|by) (?:abroad|outside|foreign)",
        r"useful idiots", r"sheeple", r"globalist (?:agenda|plan|plot|elites?|cabal)", r"globalists (?:want|plan|control|are behind|run)",
        r"the cabal", r"the illuminati", r"illuminati", r"the elites? (?:want|planned|are planning)"),
    "orchestrator_weak": (r"(?:this|it|that) (?:was|is) (?:just )?(?:another |a )colou?r revolution", r"another colou?r revolution",
                          r"colou?r revolutions?", r"planned long in advance", r"deep state", r"shadow government", r"powers that be", r"prepared long in advance",
                          r"(?:this|it) (?:was|is) no accident", r"wag the dog",
                          r"(?:who|what) (?:is|was|are|were) (?:really )?behind (?:the |this |these |all )?(?:unrest|riots|protests|coup|uprising|revolution|chaos|it all)", r"false opposition"),
    "follow_the_money": (r"(?:always )?ask(?: yourself)?,? (?:who|where) (?:does |did |is |the )?(?:the )?money (?:comes?|came|coming) from",
                         r"where (?:does|did) (?:all )?the money (?:come|comes) from", r"always follow the money",
                         r"who (?:is )?(?:funds?|funding|financ(?:es|ing)|pays? for|paying for|bankroll(?:s|ing)) (?:all )?(?:this|it|them|these|that)",
                         r"who (?:really )?benefits", r"cui bono", r"money trail", r"ask who profits", r"who profits"),
    "money_weak": (r"follow the money", r"the money (?:must have )?c(?:a|o)me from somewhere", r"financially strong backers", r"who paid for (?:this|it|them)"),
    "false_flag": (r"false[- ]?flags?", r"inside jobs?", r"(?:let|allowed) it happen on purpose", r"controlled demolition",
                   r"(?:bush|the government|the cia|mossad|the mossad|the fbi) did (?:9/11|911|it|this)", r"(?:israel|the jews|jews|zionists|the zionists) did (?:9/11|911)", r"9/11 was (?:an inside job|planned|staged)",
                   r"psy-?ops?", r"gulf of tonkin", r"self-?inflicted attack"),
    "staged_event": (r"crisis actors?", r"paid actors", r"(?:totally|completely|all|obviously|clearly) staged",
                     r"(?:attacks?|shootings?|massacres?|bombings?|events?|it all|whole thing|pandemic|crisis|incidents?|landings?|hostage|video|footage) (?:was|were|is|are) (?:all )?staged",
                     r"staged (?:shooting|attack|event|massacre|pandemic|bombing|crisis|incident)",
                     r"moon landings? (?:was|were|is) (?:fake|faked|a hoax|staged|filmed|a lie|hoaxed)",
                     r"(?:fake|faked|staged|hoaxed) (?:the )?moon landings?", r"never (?:went|landed|been) (?:to|on) the moon",
                     r"(?:shooting|massacre|attack|bombing|pandemic|virus|covid) (?:was|is) (?:a )?(?:hoax|fake|staged|scam|psyop)",
                     r"nobody (?:actually |really )?died", r"green ?screen", r"kubrick", r"filmed in a studio"),
    "secret_plan": (r"plandemic", r"scamdemic", r"great reset", r"depopulation(?: agenda| plan)?", r"new world order", r"nwo",
                    r"one world government", r"agenda (?:21|2030)", r"chemtrails?", r"5g (?:causes?|caused|spreads?|spread|towers? (?:cause|spread|kill))",
                    r"5g (?:and|spreads?|causes?|caused) (?:the )?(?:virus|covid|corona|cancer)", r"5g radiation",
                    r"vaccines? (?:contain|contains|have|has|with|are full of) (?:micro)?(?:chips?|trackers?|nanobots?|graphene|poison|tracking)",
                    r"microchip(?:s|ped|ping)? (?:us|you|people|everyone|the population)", r"microchips? in (?:the )?vaccines?",
                    r"vaccines? (?:are|is) (?:a )?(?:bioweapons?|poison|genocide|depopulation|murder|kill\w*|the mark of the beast|experimental gene therapy to)",
                    r"(?:kill|sterili[sz]e|cull|reduce) (?:the )?(?:world )?(?:population|us all|billions)", r"mark of the beast",
                    r"reptilians?", r"lizard people", r"mind control", r"adrenochrome", r"pizzagate", r"qanon", r"wwg1wga",
                    r"the storm is coming", r"great replacement", r"kalergi(?: plan)?", r"white genocide", r"flat earth",
                    r"earth is flat", r"haarp", r"weather (?:control|weapons?)", r"fluoride (?:is|to) (?:make|keep|dumb|control|poison)",
                    r"(?:covid|the virus|corona) (?:is|was) (?:a )?(?:hoax|fake|bioweapon|planned|scam)",
                    r"(?:climate change|global warming) (?:is|was) (?:a |just a )?(?:hoax|scam|lie|fake|fraud)", r"fluoride (?:is )?(?:in|into) (?:the|our) water to",
                    r"lockdowns? (?:were|was|is|are) (?:just )?(?:a )?cover", r"(?:install|installing|roll out|rolling out) 5g",
                    r"mrna (?:vaccines? |shots? |jabs? )?(?:change|changes|alter|alters|rewrite|rewrites|modify|modifies) (?:your )?dna",
                    r"(?:released|made|created|engineered|spread) (?:the virus )?(?:on purpose|deliberately|intentionally)",
                    r"mrna (?:changes|alters|rewrites|modifies) (?:your )?dna", r"turbo cancers?", r"died suddenly", r"jab (?:kills|is killing)",
                    r"bill gates (?:wants|plans|is trying) to (?:depopulat\w*|kill|microchip|chip|vaccinate)", r"population control agenda",
                    r"globalist plan", r"secret plan", r"the plan to (?:destroy|replace|enslave)", r"enslave (?:humanity|us all|mankind)"),
    "cover_up": (r"what they don'?t want you to (?:know|see|hear)", r"they don'?t want you to (?:know|see|hear)",
                 r"(?:they(?:'re| are)?|government is|media is) hiding (?:the truth|something|it|the real)",
                 r"(?:the )?truth (?:is being|they) (?:hidden|suppressed|covered up|buried)", r"suppress(?:ed|ing) (?:the truth|the cure|evidence|the facts)",
                 r"(?:msm|mainstream media|the media) (?:won'?t|will never|doesn'?t|never) (?:tell|report|show)",
                 r"(?:hidden|suppressed) cures?", r"hid(?:e|es|ing) (?:the )?cures?", r"cures? (?:for cancer )?(?:is being |are being )?(?:hidden|suppressed)",
                 r"wake up,? (?:people|sheeple|america|folks)", r"open your eyes", r"do your (?:own )?research",
                 r"the real truth", r"(?:massive|huge) cover-? ?ups?"),
    "cover_weak": (r"cover-? ?ups?", r"cover(?:ed|ing)? (?:it |this |the truth )?up", r"they lie to (?:you|us)", r"the official (?:story|narrative|version)", r"the truth is out there",
                   r"concealing", r"they are concealing"),
})

# ----------------------------------------------------------------------------- how it is said
NEGATION = re.compile(r"(?<![a-z])(?:not|never|no longer|hardly|cannot|nor)(?![a-z])(?! (?:only|just|merely))|n't(?![a-z])(?! (?:only|just|merely))|"
                      + _B + r"no(?![a-z])(?! (?:only|just|merely|doubt))")
COUNTER = cue(
    r"myths?", r"tropes?", r"canards?", r"antisemit(?:ic|ism|e|es)", r"anti-semit(?:ic|ism|e|es)", r"anti semit(?:ic|ism)",
    r"conspiracy theor(?:y|ies|ists?)", r"debunk(?:ed|ing|s)?", r"scapegoat(?:s|ing|ed)?", r"bigot(?:ry|ed|s)?", r"forg(?:ery|eries|ed)",
    r"libel", r"nazi propaganda", r"antisemitic propaganda", r"nonsense", r"baseless",
    r"spray-?painted", r"graffiti", r"scrawled", r"daubed", r"vandali[sz]ed", r"(?:police|authorities) (?:are )?investigat\w*",
    r"(?:was|were) arrested", r"charged with", r"hate crimes?",
    r"false(?:ly|hood)?(?! flags?)", r"untrue", r"not true", r"isn't true", r"(?:a|an|the|antisemitic|old|vile|ugly) smears?", r"dog-? ?whistles?", r"prejudic(?:e|ed)", r"stereotyp(?:e|es|ing|ical)",
    r"(?:is|are|was|were) wrong", r"racist", r"(?:get|gets|got|are|is|were|being) (?:always )?(?:blamed|scapegoated)", r"racism", r"ridiculous", r"absurd", r"paranoi(?:a|d)", r"crackpots?", r"cranks?",
    r"garbage", r"hateful", r"disinformation", r"misinformation", r"(?:a|the|big|old|ugly) lie", r"no evidence",
    r"discredited", r"disproven", r"refuted", r"rejected", r"fringe", r"fabricat(?:ed|ion)", r"accus(?:e|ed|es|ing|ation|ations) (?:of|that)",
    r"blood libel", r"hate speech", r"pogroms?", r"persecut(?:ed|ion)",
    r"(?:nazis|hitler|goebbels|propagandists|antisemites) (?:called|portrayed|depicted|described|compared|labell?ed|claimed|said|spread|blamed)",
    r"fight(?:ing)? (?:antisemitism|hate)", r"stand with", r"solidarity", r"pseudo-?(?:history|historical|science|scientific)",
    r"nazi-era", r"(?:code ?words?|euphemisms?) for", r"(?:nazi |racial |race )(?:theory|theories|ideology|science)", r"neo-?nazis?", r"white supremacis(?:t|ts|m)", r"accusations?",
    r"accus(?:e|ed|es|ing) (?:\w+ ){1,3}of", r"(?:dual loyalty|antisemitic|racist|bigoted|hateful) (?:rhetoric|smears?|talking points?)",
)
# what makes a quoted (((echo))) a mention rather than a use
ECHO_COUNTER = re.compile(r"antisemit|anti-semit|neo-?nazi|white supremac|hate symbol|marker|dog-? ?whistle")
ATTRIBUTION = cue(
    r"(?:the |this |that )?(?:claim|claims|idea|notion|belief|lie|myth|trope|theory|canard|narrative|assertion|accusation|smear|conspiracy theory|stereotype|slander) that(?! (?:has|have|had|is|was|were|are|will|would|can|could|keeps|still|just)(?![a-z]))",
    r"(?:people|those|anyone|folks|someone|somebody|everyone|guys|idiots|morons|cranks|nutters) who (?:say|says|said|claim|claims|believe|believes|think|thinks|spread|spreads|push|pushes|repeat|repeats|tweet|post)",
    r"(?:antisemites|bigots|nazis|neo-?nazis|conspiracy theorists|cranks|deniers|trolls|extremists|some people|racists) (?:say|claim|believe|think|insist|argue|spread|push|repeat|pretend)",
    r"blam(?:e|es|ed|ing) (?:the )?" + JEW, r"accus(?:e|es|ed|ing) (?:the )?" + JEW, r"stop blaming", r"(?:the )?old (?:lie|trope|myth|canard|libel)",
    r"according to (?:antisemites|conspiracy theorists|nazis|the nazis|cranks)", r"it is not true that", r"it's not true that",
    r"isn't true that", r"no,", r"(?:many|some|most|a lot of|lots of) (?:people|folks) (?:think|believe|assume)", r"people (?:think|believe|assume) that",
    r"(?:can'?t|cannot) believe (?:people|anyone|someone|you)", r"people (?:still|actually|really|seriously) (?:think|believe)", r"(?:believ|think|say)(?:e|es|ing) that .{0,20}is (?:antisemitic|racist)", r"as if",
    r"falsely", r"(?:teaching|taught|teaches|preaching|preached) that", r"(?:posting|saying|suggesting|implying|claiming|insisting|pretending|tweeting|the thought) that",
    r"(?:silly|stupid|dumb|crazy|ignorant|naive) enough to", r"conspirac(?:y|ies) about", r"are you saying",
    r"spread(?:s|ing)? (?:dangerous |antisemitic |vile |hateful )?(?:conspirac\w+|lies|myths|hate|tropes)", r"(?:stop|quit) (?:trying to )?(?:hold\w*|blam\w*|making)",
    r"hold(?:ing|s)? (?:all |every |the )?(?:jews?|jewish people|jewish community) (?:responsible|accountable)",
    r"(?:as a|i'm a|i am a|i'm an|i am an) (?:\w+ )?jew", r"(?:people|those|anyone) calling (?:it|them|us)", r"jew here", r"we jews", r"us jews", r"my fellow jews", r"(?:scapegoating|blaming) of",
)
ENDORSE = cue(
    r"(?:it'?s|it is|that'?s|that is|this is|is|are) (?:all |simply |just )?true", r"(?:it'?s|that'?s|is|are|just|simple|historical) (?:a )?facts?",
    r"proven", r"wake up", r"open your eyes", r"the goyim know", r"facts don'?t lie", r"not (?:a |an )?'?(?:myth|conspiracy|conspiracy theory|trope|theory|antisemitic|forgery|lie)",
    r"they call (?:it|them|the protocols|this|that)", r"why should (?:i|we|anyone) care about (?:antisemitism|anti-semitism)",
    r"(?:isn't|is not|aren't|ain't) (?:a |an )?'?(?:myth|conspiracy|conspiracy theory|trope|antisemitic|antisemitism|forgery|lie)",
    r"call(?:ed|s)? (?:it|you|me|us|that|anyone) (?:an? )?(?:antisemit\w*|anti-semit\w*|conspiracy\w*|racist|bigot)", r"they call it",
    r"so-?called (?:antisemitism|anti-semitism|myth|conspiracy)", r"(?:cry|cries|crying|scream\w*|whin\w*|shriek\w*|moan\w*)(?: about)? (?:antisemitism|anti-semitism)",
    r"antisemitism card", r"the real (?:anti-?semites|racists|nazis|terrorists|supremacists)",
    r"real reason", r"undeniable", r"everyone knows", r"do your research", r"look it up", r"(?:just )?noticing", r"name the \w+", r"red-?pilled", r"mask off", r"(?:still|always) true",
)
# reported speech / news: "shouted 'the media is run by Jews'", "was sacked for saying ...", "calls Jews termites"
REPORTING = cue(
    r"(?:says|said|shouts|shouted|yelled|yells|tweeted|wrote|chanted|chants|claims|claimed|told|posted|screamed|declared|reportedly|allegedly)",
    r"according to", r"(?:was|were|been|got) (?:sacked|fired|suspended|arrested|charged|convicted|jailed|expelled|banned) for",
    r"call(?:s|ed|ing)? (?:jews|them|us|israelis) ", r"(?:attacker|assailant|suspect|gunman|man|woman|cleric|preacher|imam|pastor|rapper|politician|mp|candidate|student|teacher) (?:who )?(?:shout|said|wrote|call|claim|post)\w*",
    r"(?:listen|watch) to this", r"call(?:s|ed|ing)? (?:[a-z]+ ){0,2}(?:fake|so-?called|not real) jews", r"in a (?:speech|video|post|tweet|sermon)", r"surveys?", r"polls?", r"percent of",
)

# questions like "Do Jews control the media?" are asked both honestly and as insinuation
QUESTION_OPENER = re.compile(r"^\W*(?:do|does|did|is|are|was|were|why do|why are|is it true|isn't it)(?![a-z])")
PRONOUN_SUBJECT = cue(r"they", r"them", r"their", r"those people", r"these people")

# Stems that any antisemitism finding needs; texts without one skip the antisemitism rules.
AS_ANCHOR = re.compile(_B + "(?:" + "|".join([
    r"jew", r"joo", r"jud", r"kik", r"k\*k", r"yid", r"heeb", r"hebe", r"hymie", r"sheen", r"zhid", r"zio", r"zog", r"khaz",
    r"kaza", r"chaz", r"ashken", r"hebrew", r"talmud", r"synagog", r"israel", r"tribe", r"chosen", r"goyim", r"a certain",
    r"you know who", r"rot?h?schild", r"rothchild", r"soros", r"globalis", r"international", r"money ?changers", r"usur",
    r"elders", r"protocol", r"cosmopol", r"holocau", r"holo", r"hollow", r"shoah", r"six million", r"6 million", r"6million", r"6,000,000",
    r"6m", r"gas cham", r"auschwitz", r"camps", r"aipac", r"nazi", r"hitler", r"christ", r"oven", r"hook", r"shekel",
    r"kosher", r"\(\s?\(\s?\(", r"j\*", r"semit", r"devil", r"john 8", r"shalom", r"oy vey", r"merchant", r"early life",
    r"every single time", r"hook", r"knows? who", r"propaganda", r"porn", r"ethnic", r"ethnicity", r"judeo", r"christ", r"wars? for", r"idf", r"star of david", r"magen", r"matz", r"passover", r"purim", r"rabbi", r"gass",
    r"typhus", r"loyal", r"allegian", r"goy", r"ritual", r"traitor", r"fifth column", r"death to", r"final solution", r"1488",
    r"14 ?88", r"day of the rope", r"treblinka", r"sobibor", r"gorillion", r"survivors", r"exterminat", r"anne frank",
    # coded insinuations (IDENT "insinuation") and ident-free tropes
    r"certain", r"knows? which", r"historical event", r"event except", r"surname", r"last names", r"bloodline", r"2 ?%", r"two percent", r"small hats", r"skypes", r"banking famil",
    r"the people (?:who|that|whose)", r"whose names?", r"who'?s names?", r"backgrounds", r"organs", r"host (?:nation|countr|societ|people)",
    r"boycott", r"six million", r"gas chambers?", r"plague",
    # coded insinuations without a group word
    r"usual suspects", r"same (?:few|handful|dozen|half dozen|couple|small number|kind|type|sort|group|background|heritage|persuasion)",
    r"normal (?:last|surname)", r"particular (?:background|heritage|persuasion|extraction|ancestry|descent)",
    r"(?:one|that|a) (?:tiny|small|little) (?:group|community|minority|clique)", r"tiny (?:group|community|minority|clique)",
    r"guess who", r"know (?:exactly )?which", r"mohel", r"bris", r"noticing", r"critici[sz]e", r"shekel", r"persuasion", r"heritage",
    r"organ (?:traffick|trade|theft|harvest)", r"kidneys", r"corneas", r"wells", r"black death", r"adrenochrome", r"missing (?:kid|child)",
    r"children'?s blood", r"kids'? blood", r"knesset", r"mossad", r"tel aviv", r"sleeper agent", r"dual citizen", r"foreign delegation",
]) + ")")
