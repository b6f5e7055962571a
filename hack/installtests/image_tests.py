"""The Dockerfile's shape (no Docker engine here to build it)."""
import json, re
from helmrender import ROOT
from .support import (
    expect, test,
)


def dockerfile():
    """Instructions of the Dockerfile as (STAGE, INSTRUCTION, ARGUMENTS), continuations joined."""
    text = (ROOT / 'Dockerfile').read_text()
    text = re.sub(r'\\\n', ' ', '\n'.join(l for l in text.splitlines() if not l.lstrip().startswith('#')))
    stage, out = None, []
    for line in text.splitlines():
        if not line.strip():
            continue
        word, _, rest = line.strip().partition(' ')
        word = word.upper()
        if word == 'FROM':
            m = re.match(r'(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?', rest.strip(), re.I)
            stage = m.group(2) or m.group(1)
            out.append((stage, 'FROM', m.group(1)))
        else:
            out.append((stage, word, rest.strip()))
    return out


@test('the Dockerfile builds a static-stdlib semroute in a pinned Swift image and runs it non-root with the model')
def _():
    steps = dockerfile()
    froms = [(s, a) for s, w, a in steps if w == 'FROM']
    stages = [s for s, _ in froms]
    expect(len(froms) >= 2, f'not multi-stage: {froms}')
    for stage, image in froms:
        if image in stages:
            continue
        expect(':' in image.split('/')[-1] or '@sha256:' in image, f'{stage}: unpinned base image {image}')
        expect(not image.endswith(':latest'), f'{stage}: {image}')
    build = [a for s, w, a in steps if w == 'RUN' and 'swift build' in a]
    expect(build and all(x in build[0] for x in ('-c release', '--static-swift-stdlib', '--product semroute')), f'{build}')
    swift_images = [a for _, a in froms if a.startswith('swift:')]
    expect(swift_images and all(re.match(r'swift:6\.\d', a) for a in swift_images), f'Swift image: {swift_images}')
    final = stages[-1]
    final_steps = [(w, a) for s, w, a in steps if s == final]
    users = [a for w, a in final_steps if w == 'USER']
    expect(users and users[-1] in ('65532', '65532:65532'), f'final USER: {users}')
    runs = ' '.join(a for w, a in final_steps if w == 'RUN')
    expect('libopenblas0' in runs and 'ca-certificates' in runs, 'runtime packages: libopenblas0, ca-certificates')
    entry = [a for w, a in final_steps if w == 'ENTRYPOINT']
    expect(entry and json.loads(entry[-1])[0].endswith('/semroute'), f'ENTRYPOINT: {entry}')
    copies = ' '.join(a for w, a in final_steps if w == 'COPY')
    expect('heads' in copies and '/opt/semroute/models' in copies, f'model or heads not copied: {copies}')
    fetch = [a for s, w, a in steps if w == 'RUN' and 'hack/fetch-model.sh' in a]
    expect(fetch and '/opt/semroute/models' in fetch[0], f'model not fetched by hack/fetch-model.sh: {fetch}')
    envs = ' '.join(a for w, a in final_steps if w == 'ENV')
    expect('OPENBLAS_CORETYPE' not in envs, 'OPENBLAS_CORETYPE belongs to the Deployment env, not the image')
    expect(re.search(r'SEMROUTE_MODEL_DIR[= ]/opt/semroute/models/', envs), f'model dir env: {envs}')
    location = ROOT / 'Sources/ClassifierCore/ModelLocation.swift'
    if location.exists():  # the classifier's own name for the variable, once it has landed
        name = re.search(r'environmentVariable\s*=\s*"([A-Z_]+)"', location.read_text())
        expect(name and name.group(1) in envs, f'the classifier reads ${name and name.group(1)}, the image sets {envs}')
    ignored = (ROOT / '.dockerignore').read_text().split()
    expect({'.build', 'models'} <= {p.strip('/') for p in ignored}, f'.dockerignore: {ignored}')
