"""moto_server with one fidelity fix, for the failover drill (scripts/drill.ts).

moto 5.2 leaves ReadReplicaSourceDBInstanceIdentifier on an instance after PromoteReadReplica,
so a promoted replica still describes itself as a replica. AWS clears the field: a promoted
instance is standalone. The runbook's promote and check steps tell the two apart by that field,
so this wrapper clears it on promotion and changes nothing else. Arguments are moto_server's.
"""

import sys

from moto.rds.models import RDSBackend
from moto.server import main

_promote_read_replica = RDSBackend.promote_read_replica


def promote_read_replica(self, db_kwargs):
    database = self.databases.get(db_kwargs["db_instance_identifier"])
    was_replica = database is not None and database.is_replica
    promoted = _promote_read_replica(self, db_kwargs)
    if was_replica:
        promoted.source_db_instance_identifier = None
    return promoted


RDSBackend.promote_read_replica = promote_read_replica

if __name__ == "__main__":
    main(sys.argv[1:])
