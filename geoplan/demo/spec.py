"""The Larvik figures of the demo: places, named reserves, innspill, population.

Figures marked «seed 004 l. N» come from Larvik kommune's Boligplan
2015-2020 (``seed 004_974c5e6e4f5c28ee.txt``, line N); everything else here
is a synthetic but Larvik-like choice. Coordinates are EPSG:25832 (m), areas
in daa. Changing a value changes the demo (rebuild with ``geoplan demo``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEED = 3909_2014

#: the layers of ``demo.gpkg``, in the order they are written
LAYER_ORDER = [
    "kommune", "sentrum", "skole", "utviklingsgrense", "arealformal", "innspill",
    "steinbrudd", "kollektivakse", "holdeplass", "grunnkrets", "bygning",
    "kommunal_bolig", "helsetjeneste", "gangnett",
]

ATTRIBUTION = "Kommunegrense: © Kartverket, CC BY 4.0 (kommuneinndeling 2024, forenklet)."


@dataclass
class PlaceSpec:
    """One place of the demo: its centre, settlement spread, schools and utviklingsgrense.

    ``schools`` holds ``(navn, skoletype, (dx, dy))`` with the offset (m) from
    the centre; ``boundary`` the utviklingsgrense's ``radius`` (m),
    ``roughness``, optional ``lobe`` (see :func:`geoplan.demo.geometry.blob`)
    and ``bpd`` (boenheter per daa); ``None`` for places without one.
    """

    navn: str
    senterniva: str
    xy: tuple[float, float]          # approximate real position, EPSG:25832
    scale_m: float                   # spread of settlement (Gaussian sigma)
    weight: float                    # share of buildings
    schools: list[tuple[str, str, tuple[float, float]]] = field(default_factory=list)
    boundary: dict | None = None     # utviklingsgrense: radius, lobe, boenheter_per_daa


# Approximate real positions (from lat/lon, rounded); the outline is
# simplified, so coastal places are nudged inland by inside_point().
PLACES = [
    PlaceSpec("Larvik by", "regionsenter", (558900, 6546700), 1300, 5.0,
              [("Sentrum skole", "barneskole", (-250, 250)),
               ("Nanset skole", "kombinert", (-1100, 1300)),
               ("Torstrand skole", "barneskole", (-1300, -800)),
               ("Mesterfjellet skole", "ungdomsskole", (-600, 700))],
              dict(radius=2900, roughness=0.22, lobe=None, bpd=4)),
    PlaceSpec("Stavern", "områdesenter", (559500, 6540900), 800, 1.6,
              [("Stavern skole", "barneskole", (-200, 200)),
               ("Brunla ungdomsskole", "ungdomsskole", (-600, 500))],
              dict(radius=1250, roughness=0.25, lobe=(2.4, 700, 0.35), bpd=4)),
    PlaceSpec("Helgeroa", "lokalsenter", (549300, 6540100), 550, 0.55,
              [("Helgeroa skole", "barneskole", (100, 150))],
              dict(radius=1250, roughness=0.25, lobe=(1.1, 700, 0.3), bpd=3)),
    PlaceSpec("Tjøllingvollen", "lokalsenter", (564510, 6547833), 500, 0.5,
              [("Tjølling skole", "barneskole", (-150, 100))],
              dict(radius=1150, roughness=0.2, lobe=None, bpd=3)),
    PlaceSpec("Kvelde", "lokalsenter", (556845, 6561856), 550, 0.6,
              [("Kvelde skole", "barneskole", (120, -100))],
              dict(radius=1350, roughness=0.2, lobe=(-0.4, 650, 0.35), bpd=3)),
    PlaceSpec("Østre Halsen", "nærsenter", (560900, 6548200), 450, 0.5,
              [("Østre Halsen skole", "barneskole", (150, 120))]),
    PlaceSpec("Nevlunghavn", "nærsenter", (550026, 6537037), 300, 0.18,
              [("Nevlunghavn skole", "barneskole", (100, 120))]),
    PlaceSpec("Hvarnes", "nærsenter", (550582, 6581591), 350, 0.2,
              [("Hvarnes skole", "barneskole", (-120, 100))]),
]

#: named reserves (seed 004 l. 2417-2418 and 2456-2458): place -> [(navn, daa)]
NAMED_RESERVES = {
    "Helgeroa": [("Nevlungen Øvre", 23.0), ("Sønseberget", 6.0), ("Torpefeltet vest", 27.0),
                 ("Torpefeltet", 25.0)],
    "Tjøllingvollen": [],
    "Kvelde": [("Søndre Brattås", 605.0), ("Hvidsten sag", 15.0), ("Futestien", 3.0),
               ("Mangelrødåsen", 9.0)],
}
#: innspill totals (daa) per place: Helgeroa 14 areas 429 daa (table, l. 2404; the text
#: at l. 2412 says 492), Tjøllingvollen 84 (l. 2430), Kvelde 154 (l. 2449); Larvik by
#: and Stavern are synthetic.
INNSPILL = {"Helgeroa": (14, 429.0), "Tjøllingvollen": (3, 84.0), "Kvelde": (4, 154.0),
            "Larvik by": (5, 160.0), "Stavern": (3, 70.0)}
#: synthetic reserves for Larvik by and Stavern (daa)
SYNTH_RESERVES = {"Larvik by": [42.0, 35.0, 18.0, 12.0, 64.0, 9.0], "Stavern": [22.0, 14.0, 11.0]}

POPULATION = 43_200          # 01.01.2014 (seed 004 l. 2368)
DWELLINGS = 21_000           # Larvik-like stock (synthetic round figure)
RENTAL_UNITS = 650           # 646 kommunale utleieboliger, Oct 2013 (seed 004 l. 2661)
OMSORG_UNITS = 380           # 382 omsorgsboliger (seed 004 l. 2662)
N_GRUNNKRETS = 130
N_ZONING = 3800

ROADS = {
    "E18": [(567500, 6553500), (563500, 6551000), (561300, 6549500), (559600, 6549100),
            (557500, 6548800), (555000, 6547600), (551500, 6546100), (546500, 6545200)],
    "Rv. 40": [(558900, 6546700), (558300, 6550000), (557300, 6556000), (556845, 6561856),
               (555500, 6568000), (551500, 6578000), (550582, 6581591), (551500, 6593500)],
    "Fv. 301": [(558900, 6546700), (559300, 6543500), (559500, 6540900)],
    "Fv. 302": [(558900, 6546700), (556000, 6544300), (552500, 6541600), (549300, 6540100),
                (550026, 6537037)],
    "Fv. 303": [(559900, 6547400), (560900, 6548200), (562500, 6548000), (564510, 6547833)],
}
RAILWAY = [(567500, 6552500), (563000, 6549500), (560500, 6547500), (559100, 6546900),
           (557000, 6546500), (553000, 6545600), (546500, 6544200)]
RIVER = [(560300, 6545800), (559950, 6547600), (559700, 6549200), (559300, 6550500),
         (558600, 6553500), (558300, 6557000), (558100, 6560000), (558200, 6563000),
         (557500, 6568000), (556000, 6575000), (553800, 6585000), (552800, 6594500)]
RIVER_BRIDGES_M = [1000, 2600, 6400, 11000, 16800]   # along the river from the mouth
FJORD_ARM = [(550700, 6536300), (550900, 6537900), (551000, 6539200), (551500, 6540600), (551900, 6541900)]
FJORD_BRIDGES_M = [3500]
#: the sea around Larvik (south of these lines), for the terrain's sea level
SEA_BOXES = [(530000, 6520000, 600000, 6542800), (563000, 6520000, 600000, 6552000),
             (559300, 6520000, 560900, 6546300)]
AXES = {
    "Stavern–Gon": ([(559500, 6540900), (559300, 6543500), (558900, 6546700),
                     (558200, 6547400), (557334, 6548276)], 4),
    "Bommestad–Klova": ([(561052, 6548890), (560300, 6547800), (559950, 6547600),
                         (558900, 6546700), (557900, 6546000), (557089, 6545488)], 4),
}
QUARRY_NAMES = ["Tvedalen steinbrudd", "Brattåsen pukkverk", "Klåstad steinbrudd"]

#: the two reserves outside every utviklingsgrense (spredt boligbebyggelse-like): (place, daa)
OUTSIDE_RESERVES = [("Nevlunghavn", 8.0), ("Hvarnes", 12.0)]
#: Søndersrød, where the Helgeroa innspill are centred: offset (m) from Helgeroa's centre
SONDERSROD_OFFSET = (350, 800)
#: Larvik havn, the loading area among the quarries (approximate position)
HARBOUR_XY = (559700, 6546300)

#: health services: (place, type, names)
HEALTH_SERVICES = [
    ("Larvik by", "sykehjem", ["Byhaven sykehjem", "Torstrand sykehjem", "Nanset sykehjem"]),
    ("Stavern", "sykehjem", ["Stavern sykehjem"]),
    ("Kvelde", "sykehjem", ["Kvelde sykehjem"]),
    ("Helgeroa", "sykehjem", ["Helgeroa sykehjem"]),
    ("Larvik by", "hjemmetjeneste", ["Hjemmetjenesten Larvik sentrum", "Hjemmetjenesten Nanset"]),
    ("Stavern", "hjemmetjeneste", ["Hjemmetjenesten Stavern"]),
    ("Kvelde", "hjemmetjeneste", ["Hjemmetjenesten Kvelde"]),
    ("Larvik by", "legekontor", ["Torget legesenter", "Bøkeskogen legekontor",
                                 "Nanset legesenter", "Sentrum legekontor"]),
    ("Stavern", "legekontor", ["Stavern legesenter", "Brunla legekontor"]),
    ("Helgeroa", "legekontor", ["Helgeroa legekontor"]),
    ("Kvelde", "legekontor", ["Kvelde legekontor"]),
]
#: share of the omsorgsboliger beside each sykehjem (in the order above)
OMSORG_SHARE = [0.2, 0.16, 0.14, 0.2, 0.14, 0.16]

#: borettslag: (place, name, municipal flats); one with 32 (seed 004 l. 2895, 9775)
BORETTSLAG = list(zip(
    ["Larvik by"] * 8 + ["Stavern"] * 3 + ["Kvelde"],
    ["Borettslaget Lågaparken", "Borettslaget Byskogen", "Borettslaget Tollerodden",
     "Borettslaget Torstrand", "Borettslaget Nanset terrasse", "Borettslaget Hovland",
     "Borettslaget Bøkeskogen", "Borettslaget Indre havn", "Borettslaget Brunlanes",
     "Borettslaget Stavern park", "Borettslaget Fredriksvern", "Borettslaget Kvelde tun"],
    [32, 14, 11, 9, 8, 6, 5, 4, 6, 3, 2, 2],
))

#: Housing First units in all; 4 of them in one ordinary block near the centre, above
#: the 20 % rule (seed 004 l. 13355-13359), so the concentration checks show a case
HOUSING_FIRST_UNITS = 30
HOUSING_FIRST_BLOCK_UNITS = 4
REFUGEE_UNITS = 60
TARGET_GROUPS_RENTAL = ["vanskeligstilte", "barnefamilier", "unge", "funksjonshemmede", "eldre"]
TARGET_GROUPS_OMSORG = ["eldre", "psykisk helse", "utviklingshemmede"]

#: walking corridors between places (indices into PLACES)
WALKING_LINKS = [(0, 1), (0, 5), (5, 3), (0, 4), (0, 2), (2, 6), (4, 7)]
