"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SqlGrantStore = void 0;
const grant_store_1 = require("../ports/grant.store.js");
const catalog_entities_1 = require("./catalog.entities.js");
function toGrant(row) {
    return {
        resource: { type: row.resourceType, name: row.resourceName },
        subject: row.subject,
        action: row.action,
        grantedBy: row.grantedBy,
        grantedAt: row.grantedAt,
    };
}
class SqlGrantStore extends grant_store_1.GrantStore {
    db;
    constructor(db) {
        super();
        this.db = db;
    }
    put(grant) {
        const key = { resourceType: grant.resource.type, resourceName: grant.resource.name, subject: grant.subject, action: grant.action };
        return this.db.use(async (ds) => {
            const repository = ds.getRepository(catalog_entities_1.GrantRow);
            if (await repository.existsBy(key))
                return;
            try {
                await repository.insert({ ...key, grantedBy: grant.grantedBy, grantedAt: grant.grantedAt });
            }
            catch (error) {
                if (!(await repository.existsBy(key)))
                    throw error;
            }
        });
    }
    delete(type, name, subject, action) {
        return this.db.use(async (ds) => {
            const { affected } = await ds.getRepository(catalog_entities_1.GrantRow).delete({ resourceType: type, resourceName: name, subject, action });
            return (affected ?? 0) > 0;
        });
    }
    list(query) {
        const where = {};
        if (query.resource) {
            where.resourceType = query.resource.type;
            where.resourceName = query.resource.name;
        }
        if (query.subject !== undefined)
            where.subject = query.subject;
        return this.db.use(async (ds) => (await ds.getRepository(catalog_entities_1.GrantRow).find({ where, order: { resourceType: 'ASC', resourceName: 'ASC', subject: 'ASC', action: 'ASC' } })).map(toGrant));
    }
    has(type, name, subject, action) {
        return this.db.use((ds) => ds.getRepository(catalog_entities_1.GrantRow).existsBy({ resourceType: type, resourceName: name, subject, action }));
    }
    deleteForResource(type, name) {
        return this.db.use(async (ds) => {
            await ds.getRepository(catalog_entities_1.GrantRow).delete({ resourceType: type, resourceName: name });
        });
    }
}
exports.SqlGrantStore = SqlGrantStore;
//# sourceMappingURL=sql-grant.store.js.map