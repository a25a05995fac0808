#pragma once
// Case model v1, built in, so that "case_schema": "case-v1" needs no file. The same document
// as schemas/case.schema.json (a test checks that they agree).

namespace divert::detail {

inline const char* case_v1_schema_text() {
  return R"divert-schema({
 "$schema": "https://json-schema.org/draft/2020-12/schema",
 "$id": "case-v1",
 "title": "divert case model v1",
 "description": "The facts a custody or case system supplies about one case (DESIGN.md section 4). Every fact is optional: an absent fact is unknown, which is different from false or empty. A number may also be given as a range {\"min\": a, \"max\": b} when only a band is known (police data records age bands).",
 "type": "object",
 "properties": {
  "offence": {
   "type": "object",
   "description": "The offence this decision is about.",
   "properties": {
    "date": {
     "type": "string",
     "format": "date",
     "description": "Date of the offence, YYYY-MM-DD."
    },
    "type": {
     "enum": [
      "possession",
      "possession_with_intent",
      "supply",
      "production",
      "other"
     ],
     "description": "Misuse of Drugs Act 1971: possession s5(2), possession with intent to supply s5(3), supply s4(3), production s4(2)."
    },
    "force": {
     "enum": [
      "avon_and_somerset",
      "bedfordshire",
      "british_transport_police",
      "cambridgeshire",
      "cheshire",
      "city_of_london",
      "cleveland",
      "cumbria",
      "derbyshire",
      "devon_and_cornwall",
      "dorset",
      "durham",
      "dyfed_powys",
      "essex",
      "gloucestershire",
      "greater_manchester",
      "gwent",
      "hampshire",
      "hertfordshire",
      "humberside",
      "kent",
      "lancashire",
      "leicestershire",
      "lincolnshire",
      "merseyside",
      "metropolitan",
      "norfolk",
      "north_wales",
      "north_yorkshire",
      "northamptonshire",
      "northumbria",
      "nottinghamshire",
      "police_scotland",
      "police_service_of_northern_ireland",
      "south_wales",
      "south_yorkshire",
      "staffordshire",
      "suffolk",
      "surrey",
      "sussex",
      "thames_valley",
      "warwickshire",
      "west_mercia",
      "west_midlands",
      "west_yorkshire",
      "wiltshire"
     ],
     "description": "The police force, as a snake_case id."
    },
    "area": {
     "type": "string",
     "description": "The borough or local authority, as a snake_case id (e.g. lewisham)."
    }
   }
  },
  "person": {
   "type": "object",
   "properties": {
    "age": {
     "type": "integer",
     "minimum": 0,
     "maximum": 120,
     "description": "Age on the offence date; may be a range {\"min\", \"max\"} when only a band is known."
    },
    "admits_offence": {
     "enum": [
      "yes",
      "no",
      "no_reply"
     ]
    },
    "consents": {
     "type": "boolean",
     "description": "Consents to the diversion offered."
    },
    "dependency_indicated": {
     "type": "boolean",
     "description": "Signs of drug dependency (routes to treatment rather than education)."
    },
    "subject_to_court_order": {
     "type": "boolean"
    }
   }
  },
  "substances": {
   "type": "array",
   "description": "Every substance found; an empty array means none was found.",
   "items": {
    "type": "object",
    "properties": {
     "drug": {
      "enum": [
       "cannabis",
       "cannabis_resin",
       "synthetic_cannabinoid",
       "cocaine",
       "crack_cocaine",
       "heroin",
       "mdma",
       "ketamine",
       "amphetamine",
       "lsd",
       "psilocybin",
       "nitrous_oxide",
       "benzodiazepine",
       "other"
      ]
     },
     "class": {
      "enum": [
       "A",
       "B",
       "C"
      ]
     },
     "amount": {
      "type": "number",
      "minimum": 0
     },
     "unit": {
      "enum": [
       "g",
       "mg",
       "tablets",
       "wraps",
       "plants",
       "ml",
       "items"
      ]
     }
    }
   }
  },
  "assessment": {
   "type": "object",
   "properties": {
    "personal_use": {
     "type": "boolean",
     "description": "The officer judges the amount consistent with personal use (UK guidance sets no weight limit)."
    },
    "supply_indicators": {
     "type": "boolean",
     "description": "Signs of intent to supply: scales, dealer lists, cash, packaging."
    }
   }
  },
  "circumstances": {
   "type": "object",
   "properties": {
    "concurrent_offences": {
     "type": "array",
     "items": {
      "type": "string"
     },
     "description": "Other offences dealt with at the same time; empty when none."
    },
    "aggravating": {
     "type": "array",
     "items": {
      "enum": [
       "public_use",
       "near_school",
       "prison",
       "hotspot",
       "vehicle",
       "other"
      ]
     },
     "description": "Aggravating factors; empty when none."
    }
   }
  },
  "history": {
   "type": "array",
   "description": "Earlier police outcomes for this person; an empty array means none.",
   "items": {
    "type": "object",
    "properties": {
     "date": {
      "type": "string",
      "format": "date"
     },
     "type": {
      "enum": [
       "diversion",
       "cannabis_warning",
       "penalty_notice",
       "community_resolution",
       "caution",
       "conviction"
      ]
     },
     "scheme": {
      "type": "string",
      "description": "For diversions: the scheme's id (e.g. thames_valley)."
     },
     "engaged": {
      "type": "boolean",
      "description": "For diversions: the person engaged with the referral."
     },
     "completed": {
      "type": "boolean",
      "description": "For diversions: the person completed it."
     }
    }
   }
  }
 }
})divert-schema";
}

}  // namespace divert::detail
