"""ISO 4217 currency codes, and the symbols and words merchants write instead."""

from __future__ import annotations

ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
    GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP
    LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW
    ZWG""".split()  # noqa: SIM905 - one line per alphabet block reads better
)

# Lower-cased symbols and words -> ISO code. "$" alone is taken as USD; "kr" is left out on purpose
# (Danish, Swedish and Norwegian crowns share it), so it is reported as unknown.
SYMBOLS = {
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "eur.": "EUR",
    "£": "GBP",
    "$": "USD",
    "us$": "USD",
    "usd$": "USD",
    "¥": "JPY",
    "円": "JPY",
    "zł": "PLN",
    "zl": "PLN",
    "kč": "CZK",
    "kc": "CZK",
    "ft": "HUF",
    "lei": "RON",
    "₽": "RUB",
    "руб": "RUB",
    "руб.": "RUB",
    "₴": "UAH",
    "грн": "UAH",
    "₹": "INR",
    "rs": "INR",
    "rs.": "INR",
    "₺": "TRY",
    "₩": "KRW",
    "r$": "BRL",
    "chf": "CHF",
    "fr.": "CHF",
    "c$": "CAD",
    "ca$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
}
