"""Sentences the TTS engines read: the LJSpeech transcripts in the shared data and sentences written for asdf.

The written sentences and the phrase lists the generator combines are asdf's own and public domain (CC0), so
the corpus carries no text licence beyond its sources'.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

LJ_METADATA = "speech/ljspeech/metadata.csv"
MIN_WORDS, MAX_WORDS = 5, 22

WRITTEN = (
    "Please call the front desk before nine tomorrow morning.",
    "The train to the coast leaves from platform four.",
    "We counted forty two boats in the harbour at noon.",
    "Can you send me the report by Friday afternoon?",
    "The kettle is on, so the tea will be ready soon.",
    "Her grandmother kept bees behind the old stone barn.",
    "Turn left at the second light and park behind the bakery.",
    "The museum opens late on the first Thursday of every month.",
    "My account number ends in three, seven, one, five.",
    "It rained all night, and the river rose above the path.",
    "Nobody expected the meeting to last for three hours.",
    "The children painted the fence a bright shade of yellow.",
    "Your package was delivered to the neighbour at number twelve.",
    "I would like to change my flight to the evening departure.",
    "The doctor said the results would arrive within a week.",
    "A cold wind came down from the hills after sunset.",
    "We need two more chairs for the table in the garden.",
    "The library keeps its oldest maps in a locked room upstairs.",
    "Did you remember to water the plants on the balcony?",
    "The bus was late again, so I walked the whole way.",
    "Our team finished the project two days ahead of schedule.",
    "The bridge will be closed for repairs until the end of May.",
    "He played the same song on the piano every evening.",
    "Thank you for calling; your call is important to us.",
    "The soup needs a little more salt and a pinch of pepper.",
    "She found an old letter hidden inside the wooden drawer.",
    "Five hundred people attended the concert in the park.",
    "The lights in the office switch off automatically at eight.",
    "I am afraid the shop has sold out of that model.",
    "The farmer loaded the apples onto the back of the truck.",
    "Remember to bring your passport and a copy of the booking.",
    "The storm knocked down two trees on our street last night.",
    "Could you repeat the last number, please?",
    "The recipe calls for three eggs and a cup of flour.",
    "We watched the fishing boats return as the sun went down.",
    "The new software update fixes the problem with the printer.",
    "My brother moved to a small town near the northern border.",
    "The restaurant on the corner serves breakfast all day.",
    "Please leave your message after the tone.",
    "The students listened quietly while the professor spoke.",
    "An owl called from the dark woods behind the cottage.",
    "The price of coffee has gone up again this year.",
    "We should leave early to avoid the traffic on the motorway.",
    "The cat slept all afternoon in a patch of warm sunlight.",
    "I have never seen so many stars in the sky before.",
    "The committee will announce its decision next Tuesday.",
    "Wash the vegetables and cut them into small pieces.",
    "The lighthouse has guided ships past these rocks for a century.",
    "Is there a pharmacy open on Sunday near the station?",
    "The old clock in the hall stopped at a quarter past six.",
    "The hikers reached the summit just before the clouds rolled in.",
    "Your appointment has been moved to Wednesday at half past two.",
    "The baker starts work at four in the morning.",
    "We planted tomatoes, beans and a row of sunflowers.",
    "The orchestra tuned their instruments as the audience sat down.",
    "I think I left my umbrella on the train.",
    "The river is too deep to cross at this time of year.",
    "Our neighbours are having a party on Saturday night.",
    "The letter arrived three weeks after it was posted.",
    "Please confirm your date of birth and postcode.",
    "The road winds through the valley and over the pass.",
    "A small boat drifted slowly towards the island.",
    "He fixed the bicycle with a spanner and some wire.",
    "The shop assistant wrapped the gift in blue paper.",
    "The snow melted quickly once the sun came out.",
    "This is a reminder that your subscription renews next month.",
    "The winning ticket was sold in a village shop.",
    "They built the house from timber and grey stone.",
    "My phone battery is almost empty, so I will call you later.",
    "The garden gate squeaks every time somebody opens it.",
    "The pilot announced that we would land in twenty minutes.",
    "The teacher wrote the date in the corner of the blackboard.",
    "There is fresh bread in the basket on the kitchen table.",
    "Heavy rain is expected across the region this weekend.",
    "The mechanic said the brakes need to be replaced soon.",
    "We followed the footpath along the edge of the cliff.",
    "The results of the election will be known by midnight.",
    "I will meet you outside the cinema at seven thirty.",
    "The parrot repeated every word the visitors said.",
    "Our flight was cancelled because of the fog.",
    "The market sells fruit, flowers and secondhand books.",
    "She practised the violin for an hour every day.",
    "The path was covered in leaves after the autumn storm.",
    "Please do not leave bags unattended in the station.",
    "The factory produces ten thousand bottles a day.",
    "He wrote his name at the top of the first page.",
    "The ferry crossing takes about forty five minutes.",
    "We are sorry, but all of our operators are busy.",
    "The painting was sold for twice the expected price.",
    "A dog barked somewhere in the distance.",
    "The soup kitchen serves hot meals every winter evening.",
    "Keep the receipt in case you need to return the item.",
    "The engineers tested the bridge with heavy trucks.",
    "I could hear the sea from the window of my room.",
    "The village holds a fair on the last day of summer.",
    "Your order number is four, nine, two, eight, six.",
    "The wind turned the pages of the open book.",
    "The hotel breakfast is served from seven until ten.",
    "They walked home slowly, talking about the film.",
    "Slow down, the road ahead is icy.",
)

# The generator combines who + what + where/when; the lists are asdf's own.
WHO = (
    "The old gardener", "My younger sister", "A tired doctor", "The new manager", "Our neighbour",
    "The quiet student", "A travelling salesman", "The ship's captain", "Her best friend", "The night nurse",
    "A local farmer", "The head teacher", "My grandfather", "The taxi driver", "A young engineer",
    "The librarian", "His uncle", "The baker's son", "A retired pilot", "The museum guide",
)
WHAT = (
    "carried three heavy baskets", "painted the kitchen door", "fixed the broken radio", "wrote a long letter",
    "counted the money twice", "opened a small bakery", "planted a row of apple trees", "lost the front door key",
    "found a silver coin", "sold the old car", "cooked dinner for twelve people", "read the newspaper aloud",
    "repaired the garden wall", "bought a second hand piano", "answered every question", "missed the last bus",
    "cleaned the windows", "built a wooden boat", "forgot the meeting", "climbed the steep hill",
)
WHERE_WHEN = (
    "before sunrise", "on a rainy Tuesday", "near the harbour", "after the long winter", "behind the church",
    "during the holidays", "in the middle of the night", "at the end of the street", "last September",
    "without saying a word", "in less than an hour", "on the way to work", "next to the river",
    "while everyone was asleep", "for the third time this year", "under the railway bridge",
    "at the village market", "in the pouring rain", "after lunch", "on the first day of spring",
)


def lj_sentences(shared_data: Path) -> list[str]:
    """The LJSpeech transcripts in the shared data (normalised text column), where the folder has them."""
    path = Path(shared_data) / LJ_METADATA
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[-1].strip() for row in csv.reader(handle, delimiter="|", quoting=csv.QUOTE_NONE) if row]


def generated_sentences(rng: np.random.Generator, count: int) -> list[str]:
    """`count` distinct sentences combined from the phrase lists (at most 8,000 exist)."""
    combinations = len(WHO) * len(WHAT) * len(WHERE_WHEN)
    chosen = rng.choice(combinations, size=min(count, combinations), replace=False)
    sentences = []
    for number in chosen.tolist():
        who, rest = divmod(number, len(WHAT) * len(WHERE_WHEN))
        what, where = divmod(rest, len(WHERE_WHEN))
        sentences.append(f"{WHO[who]} {WHAT[what]} {WHERE_WHEN[where]}.")
    return sentences


def sentence_pool(shared_data: Path, rng: np.random.Generator, count: int) -> list[str]:
    """`count` distinct sentences of MIN_WORDS..MAX_WORDS words: written and LJSpeech ones first, then generated."""
    fixed = [s for s in (*WRITTEN, *lj_sentences(shared_data)) if MIN_WORDS <= len(s.split()) <= MAX_WORDS]
    fixed = [fixed[i] for i in rng.permutation(len(fixed))]
    return (fixed + generated_sentences(rng, max(0, count - len(fixed))))[:count]
