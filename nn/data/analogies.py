"""Analogy questions ``(a, b, c, d)`` — a is to b as c is to d — in words that occur in
the World English Bible: family relations, pronouns, plurals and past tenses. Used to score
word2vec (``Word2Vec.evaluate_analogies``) next to gensim on the same text."""

from __future__ import annotations

ANALOGIES = [
    tuple(q.split())
    for q in """
    man woman king queen | man woman father mother | man woman son daughter
    man woman brother sister | man woman husband wife | man woman boy girl
    father mother son daughter | father mother brother sister | father mother husband wife
    king queen father mother | king queen son daughter | king queen brother sister
    husband wife son daughter | husband wife brother sister | brother sister son daughter
    he she his her | he she him her | his her man woman | him her man woman
    son sons daughter daughters | brother brothers sister sisters | king kings man men
    man men woman women | son sons king kings | father fathers brother brothers
    day days year years | hand hands eye eyes | city cities tree trees
    house houses city cities | servant servants son sons | priest priests king kings
    prince princes king kings | nation nations city cities | word words day days
    go went come came | give gave take took | see saw go went | eat ate drink drank
    speak spoke say said | know knew see saw | begin began come came
    """.replace("\n", "|").split("|")
    if q.strip()
]
