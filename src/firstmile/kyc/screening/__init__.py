"""Sanctions and PEP screening.

- `loaders`: the UN consolidated list (XML), the EU Full Sanctions List (XML), OFAC's SDN
  list (sdn.csv, alt.csv) and FollowTheMoney JSON lines (OpenSanctions).
- `names`, `arabic`, `kana`, `spelling`, `variants`: names made comparable across scripts
  and spellings; `similarity`: token and name similarity with reasons; `scoring`: the date
  of birth and nationality effects; `index`: the candidate index; `matching`: hits with
  explanations.
- `service`: `load_file`, `screen_customer(db, customer_id, name, birth_date, nationality,
  schema)`, `rescreen_after_load(db, load_result)`, `mark_false_positive(db, hit_id,
  actor, note)`, `confirm(db, hit_id, actor, note)`, `match` (screening without a record).

Import the modules (`from firstmile.kyc.screening import service as screening`); this
package's namespace stays empty so that its modules import each other without cycles.
"""
