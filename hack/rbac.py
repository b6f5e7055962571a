"""Kubernetes RBAC authorization, as kube-apiserver's RBAC authorizer decides it, over a set of Role,
ClusterRole, RoleBinding and ClusterRoleBinding objects (e.g. the chart's, rendered by hack/helmrender.py).

A request is described by the attributes KubeLocal's RequestLog records (and kube-apiserver's RequestInfo
derives from a REST path): verb (get, list, watch, create, update, patch, delete, deletecollection),
group, resource, subresource, namespace (None for cluster-wide or cluster-scoped), name; or, for
non-resource paths, `path` with an empty resource.

Rules follow k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac: a rule matches when its verbs, apiGroups,
resources (`res`, `res/sub`, `*`, `*/sub`) and resourceNames (empty = any; a create never matches names)
all match; a ClusterRoleBinding grants everywhere; a RoleBinding grants only in its own namespace (also
when it binds a ClusterRole). Discovery and health paths are allowed to every authenticated user, as the
built-in system:discovery / system:public-info-viewer roles do."""
from dataclasses import dataclass

READ_ONLY_PATH_PREFIXES = ('/api', '/apis', '/version', '/openapi', '/healthz', '/livez', '/readyz')


@dataclass(frozen=True)
class Request:
    verb: str
    resource: str = ''
    group: str = ''
    subresource: str | None = None
    namespace: str | None = None
    name: str | None = None
    path: str = ''

    @classmethod
    def from_entry(cls, entry):
        """From a KubeLocal RequestLog entry (a dict with the same field names)."""
        return cls(verb=entry['verb'], resource=entry.get('resource') or '', group=entry.get('group') or '',
                   subresource=entry.get('subresource') or None, namespace=entry.get('namespace') or None,
                   name=entry.get('name') or None, path=entry.get('path') or '')

    def __str__(self):
        if not self.resource:
            return f'{self.verb} {self.path}'
        what = self.resource + (f'/{self.subresource}' if self.subresource else '')
        if self.group:
            what += f'.{self.group}'
        if self.name:
            return f'{self.verb} {what} {self.namespace + "/" if self.namespace else ""}{self.name}'
        return f'{self.verb} {what}' + (f' in {self.namespace}' if self.namespace else ' (all namespaces)')


def _rule_matches(rule, request):
    verbs, groups = rule.get('verbs') or [], rule.get('apiGroups') or []
    if '*' not in verbs and request.verb not in verbs:
        return False
    if '*' not in groups and request.group not in groups:
        return False
    wanted = request.resource + (f'/{request.subresource}' if request.subresource else '')
    resources = rule.get('resources') or []
    if not any(r == '*' or r == wanted or (request.subresource and r == f'*/{request.subresource}') for r in resources):
        return False
    names = rule.get('resourceNames') or []
    return not names or (request.name is not None and request.name in names)


def _non_resource_rule_matches(rule, request):
    verbs = rule.get('verbs') or []
    if '*' not in verbs and request.verb not in verbs:
        return False
    return any(u == request.path or u == '*' or (u.endswith('*') and request.path.startswith(u[:-1]))
               for u in rule.get('nonResourceURLs') or [])


class Authorizer:
    def __init__(self, objects):
        self.roles = {(o['metadata'].get('namespace'), o['metadata']['name']): o for o in objects if o['kind'] == 'Role'}
        self.cluster_roles = {o['metadata']['name']: o for o in objects if o['kind'] == 'ClusterRole'}
        self.bindings = [o for o in objects if o['kind'] in ('RoleBinding', 'ClusterRoleBinding')]

    @staticmethod
    def _binds(binding, namespace, name):
        for s in binding.get('subjects') or []:
            if s.get('kind') == 'ServiceAccount' and s.get('name') == name and s.get('namespace') == namespace:
                return True
            if s.get('kind') == 'Group' and s.get('name') in ('system:serviceaccounts', f'system:serviceaccounts:{namespace}',
                                                              'system:authenticated'):
                return True
        return False

    def _rules(self, binding):
        ref = binding['roleRef']
        if ref['kind'] == 'ClusterRole':
            role = self.cluster_roles.get(ref['name'])
        else:
            role = self.roles.get((binding['metadata'].get('namespace'), ref['name']))
        return (role or {}).get('rules') or []

    def allowed(self, request, service_account):
        """True when the ServiceAccount (namespace, name) may make the request."""
        namespace, name = service_account
        if not request.resource:
            if request.verb == 'get' and request.path.startswith(READ_ONLY_PATH_PREFIXES):
                return True
        for binding in self.bindings:
            if not self._binds(binding, namespace, name):
                continue
            if binding['kind'] == 'RoleBinding' and request.namespace != binding['metadata'].get('namespace'):
                continue  # a RoleBinding grants only inside its namespace, even for a ClusterRole
            for rule in self._rules(binding):
                if request.resource and _rule_matches(rule, request):
                    return True
                if not request.resource and binding['kind'] == 'ClusterRoleBinding' and _non_resource_rule_matches(rule, request):
                    return True
        return False

    def denied(self, requests, service_account):
        return [r for r in requests if not self.allowed(r, service_account)]
