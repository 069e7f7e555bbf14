// Tries to open every map and program of the translators' instances in the current namespace by id, as whoever
// runs it, and to write each map it can open. Prints JSON {maps: {id: result}, progs: {id: result}} where result is
// "opened", "written" or the errno name of the refusal. Ids come from the command line (`maps:1,2 progs:3`): a
// non-root user cannot even list them. Needs dist/.
const dist = (p) => new URL(`../../dist/${p}`, import.meta.url);
const {libbpf} = await import(dist('ffi/libbpf.js'));
const lib = await libbpf();
const ids = Object.fromEntries(process.argv.slice(2).map((a) => a.split(':')).map(([k, v]) => [k, v ? v.split(',').map(Number) : []]));
const name = (rc) => ({1: 'EPERM', 13: 'EACCES', 2: 'ENOENT'})[-rc] ?? `errno ${-rc}`;
const out = {maps: {}, progs: {}};
for (const id of ids.maps ?? []) {
  const fd = lib.bpf_map_get_fd_by_id(id);
  out.maps[id] = fd < 0 ? name(fd) : 'opened';
}
for (const id of ids.progs ?? []) {
  const fd = lib.bpf_prog_get_fd_by_id(id);
  out.progs[id] = fd < 0 ? name(fd) : 'opened';
}
console.log(JSON.stringify(out));
