var O=globalThis,L=O.ShadowRoot&&(O.ShadyCSS===void 0||O.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,j=Symbol(),it=new WeakMap,C=class{constructor(t,e,r){if(this._$cssResult$=!0,r!==j)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(L&&t===void 0){let r=e!==void 0&&e.length===1;r&&(t=it.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),r&&it.set(e,t))}return t}toString(){return this.cssText}},nt=s=>new C(typeof s=="string"?s:s+"",void 0,j),V=(s,...t)=>{let e=s.length===1?s[0]:t.reduce((r,i,n)=>r+(a=>{if(a._$cssResult$===!0)return a.cssText;if(typeof a=="number")return a;throw Error("Value passed to 'css' function must be a 'css' function result: "+a+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+s[n+1],s[0]);return new C(e,s,j)},at=(s,t)=>{if(L)s.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let r=document.createElement("style"),i=O.litNonce;i!==void 0&&r.setAttribute("nonce",i),r.textContent=e.cssText,s.appendChild(r)}},F=L?s=>s:s=>s instanceof CSSStyleSheet?(t=>{let e="";for(let r of t.cssRules)e+=r.cssText;return nt(e)})(s):s;var{is:It,defineProperty:Bt,getOwnPropertyDescriptor:jt,getOwnPropertyNames:Vt,getOwnPropertySymbols:Ft,getPrototypeOf:Kt}=Object,q=globalThis,ot=q.trustedTypes,Wt=ot?ot.emptyScript:"",Gt=q.reactiveElementPolyfillSupport,k=(s,t)=>s,K={toAttribute(s,t){switch(t){case Boolean:s=s?Wt:null;break;case Object:case Array:s=s==null?s:JSON.stringify(s)}return s},fromAttribute(s,t){let e=s;switch(t){case Boolean:e=s!==null;break;case Number:e=s===null?null:Number(s);break;case Object:case Array:try{e=JSON.parse(s)}catch{e=null}}return e}},dt=(s,t)=>!It(s,t),lt={attribute:!0,type:String,converter:K,reflect:!1,useDefault:!1,hasChanged:dt};Symbol.metadata??=Symbol("metadata"),q.litPropertyMetadata??=new WeakMap;var g=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=lt){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let r=Symbol(),i=this.getPropertyDescriptor(t,r,e);i!==void 0&&Bt(this.prototype,t,i)}}static getPropertyDescriptor(t,e,r){let{get:i,set:n}=jt(this.prototype,t)??{get(){return this[e]},set(a){this[e]=a}};return{get:i,set(a){let h=i?.call(this);n?.call(this,a),this.requestUpdate(t,h,r)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??lt}static _$Ei(){if(this.hasOwnProperty(k("elementProperties")))return;let t=Kt(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(k("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(k("properties"))){let e=this.properties,r=[...Vt(e),...Ft(e)];for(let i of r)this.createProperty(i,e[i])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[r,i]of e)this.elementProperties.set(r,i)}this._$Eh=new Map;for(let[e,r]of this.elementProperties){let i=this._$Eu(e,r);i!==void 0&&this._$Eh.set(i,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let r=new Set(t.flat(1/0).reverse());for(let i of r)e.unshift(F(i))}else t!==void 0&&e.push(F(t));return e}static _$Eu(t,e){let r=e.attribute;return r===!1?void 0:typeof r=="string"?r:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let r of e.keys())this.hasOwnProperty(r)&&(t.set(r,this[r]),delete this[r]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return at(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,r){this._$AK(t,r)}_$ET(t,e){let r=this.constructor.elementProperties.get(t),i=this.constructor._$Eu(t,r);if(i!==void 0&&r.reflect===!0){let n=(r.converter?.toAttribute!==void 0?r.converter:K).toAttribute(e,r.type);this._$Em=t,n==null?this.removeAttribute(i):this.setAttribute(i,n),this._$Em=null}}_$AK(t,e){let r=this.constructor,i=r._$Eh.get(t);if(i!==void 0&&this._$Em!==i){let n=r.getPropertyOptions(i),a=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:K;this._$Em=i;let h=a.fromAttribute(e,n.type);this[i]=h??this._$Ej?.get(i)??h,this._$Em=null}}requestUpdate(t,e,r,i=!1,n){if(t!==void 0){let a=this.constructor;if(i===!1&&(n=this[t]),r??=a.getPropertyOptions(t),!((r.hasChanged??dt)(n,e)||r.useDefault&&r.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(a._$Eu(t,r))))return;this.C(t,e,r)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:r,reflect:i,wrapped:n},a){r&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,a??e??this[t]),n!==!0||a!==void 0)||(this._$AL.has(t)||(this.hasUpdated||r||(e=void 0),this._$AL.set(t,e)),i===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,n]of this._$Ep)this[i]=n;this._$Ep=void 0}let r=this.constructor.elementProperties;if(r.size>0)for(let[i,n]of r){let{wrapped:a}=n,h=this[i];a!==!0||this._$AL.has(i)||h===void 0||this.C(i,void 0,n,h)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(r=>r.hostUpdate?.()),this.update(e)):this._$EM()}catch(r){throw t=!1,this._$EM(),r}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};g.elementStyles=[],g.shadowRootOptions={mode:"open"},g[k("elementProperties")]=new Map,g[k("finalized")]=new Map,Gt?.({ReactiveElement:g}),(q.reactiveElementVersions??=[]).push("2.1.2");var Y=globalThis,ct=s=>s,z=Y.trustedTypes,ht=z?z.createPolicy("lit-html",{createHTML:s=>s}):void 0,gt="$lit$",y=`lit$${Math.random().toFixed(9).slice(2)}$`,bt="?"+y,Jt=`<${bt}>`,w=document,T=()=>w.createComment(""),P=s=>s===null||typeof s!="object"&&typeof s!="function",tt=Array.isArray,Xt=s=>tt(s)||typeof s?.[Symbol.iterator]=="function",W=`[ 	
\f\r]`,R=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,ut=/-->/g,pt=/>/g,$=RegExp(`>|${W}(?:([^\\s"'>=/]+)(${W}*=${W}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),_t=/'/g,mt=/"/g,yt=/^(?:script|style|textarea|title)$/i,et=s=>(t,...e)=>({_$litType$:s,strings:t,values:e}),d=et(1),ge=et(2),be=et(3),x=Symbol.for("lit-noChange"),l=Symbol.for("lit-nothing"),ft=new WeakMap,v=w.createTreeWalker(w,129);function $t(s,t){if(!tt(s)||!s.hasOwnProperty("raw"))throw Error("invalid template strings array");return ht!==void 0?ht.createHTML(t):t}var Zt=(s,t)=>{let e=s.length-1,r=[],i,n=t===2?"<svg>":t===3?"<math>":"",a=R;for(let h=0;h<e;h++){let o=s[h],p,_,c=-1,f=0;for(;f<o.length&&(a.lastIndex=f,_=a.exec(o),_!==null);)f=a.lastIndex,a===R?_[1]==="!--"?a=ut:_[1]!==void 0?a=pt:_[2]!==void 0?(yt.test(_[2])&&(i=RegExp("</"+_[2],"g")),a=$):_[3]!==void 0&&(a=$):a===$?_[0]===">"?(a=i??R,c=-1):_[1]===void 0?c=-2:(c=a.lastIndex-_[2].length,p=_[1],a=_[3]===void 0?$:_[3]==='"'?mt:_t):a===mt||a===_t?a=$:a===ut||a===pt?a=R:(a=$,i=void 0);let b=a===$&&s[h+1].startsWith("/>")?" ":"";n+=a===R?o+Jt:c>=0?(r.push(p),o.slice(0,c)+gt+o.slice(c)+y+b):o+y+(c===-2?h:b)}return[$t(s,n+(s[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),r]},N=class s{constructor({strings:t,_$litType$:e},r){let i;this.parts=[];let n=0,a=0,h=t.length-1,o=this.parts,[p,_]=Zt(t,e);if(this.el=s.createElement(p,r),v.currentNode=this.el.content,e===2||e===3){let c=this.el.content.firstChild;c.replaceWith(...c.childNodes)}for(;(i=v.nextNode())!==null&&o.length<h;){if(i.nodeType===1){if(i.hasAttributes())for(let c of i.getAttributeNames())if(c.endsWith(gt)){let f=_[a++],b=i.getAttribute(c).split(y),U=/([.?@])?(.*)/.exec(f);o.push({type:1,index:n,name:U[2],strings:b,ctor:U[1]==="."?J:U[1]==="?"?X:U[1]==="@"?Z:A}),i.removeAttribute(c)}else c.startsWith(y)&&(o.push({type:6,index:n}),i.removeAttribute(c));if(yt.test(i.tagName)){let c=i.textContent.split(y),f=c.length-1;if(f>0){i.textContent=z?z.emptyScript:"";for(let b=0;b<f;b++)i.append(c[b],T()),v.nextNode(),o.push({type:2,index:++n});i.append(c[f],T())}}}else if(i.nodeType===8)if(i.data===bt)o.push({type:2,index:n});else{let c=-1;for(;(c=i.data.indexOf(y,c+1))!==-1;)o.push({type:7,index:n}),c+=y.length-1}n++}}static createElement(t,e){let r=w.createElement("template");return r.innerHTML=t,r}};function S(s,t,e=s,r){if(t===x)return t;let i=r!==void 0?e._$Co?.[r]:e._$Cl,n=P(t)?void 0:t._$litDirective$;return i?.constructor!==n&&(i?._$AO?.(!1),n===void 0?i=void 0:(i=new n(s),i._$AT(s,e,r)),r!==void 0?(e._$Co??=[])[r]=i:e._$Cl=i),i!==void 0&&(t=S(s,i._$AS(s,t.values),i,r)),t}var G=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:r}=this._$AD,i=(t?.creationScope??w).importNode(e,!0);v.currentNode=i;let n=v.nextNode(),a=0,h=0,o=r[0];for(;o!==void 0;){if(a===o.index){let p;o.type===2?p=new H(n,n.nextSibling,this,t):o.type===1?p=new o.ctor(n,o.name,o.strings,this,t):o.type===6&&(p=new Q(n,this,t)),this._$AV.push(p),o=r[++h]}a!==o?.index&&(n=v.nextNode(),a++)}return v.currentNode=w,i}p(t){let e=0;for(let r of this._$AV)r!==void 0&&(r.strings!==void 0?(r._$AI(t,r,e),e+=r.strings.length-2):r._$AI(t[e])),e++}},H=class s{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,r,i){this.type=2,this._$AH=l,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=r,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=S(this,t,e),P(t)?t===l||t==null||t===""?(this._$AH!==l&&this._$AR(),this._$AH=l):t!==this._$AH&&t!==x&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Xt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==l&&P(this._$AH)?this._$AA.nextSibling.data=t:this.T(w.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:r}=t,i=typeof r=="number"?this._$AC(t):(r.el===void 0&&(r.el=N.createElement($t(r.h,r.h[0]),this.options)),r);if(this._$AH?._$AD===i)this._$AH.p(e);else{let n=new G(i,this),a=n.u(this.options);n.p(e),this.T(a),this._$AH=n}}_$AC(t){let e=ft.get(t.strings);return e===void 0&&ft.set(t.strings,e=new N(t)),e}k(t){tt(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,r,i=0;for(let n of t)i===e.length?e.push(r=new s(this.O(T()),this.O(T()),this,this.options)):r=e[i],r._$AI(n),i++;i<e.length&&(this._$AR(r&&r._$AB.nextSibling,i),e.length=i)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let r=ct(t).nextSibling;ct(t).remove(),t=r}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},A=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,r,i,n){this.type=1,this._$AH=l,this._$AN=void 0,this.element=t,this.name=e,this._$AM=i,this.options=n,r.length>2||r[0]!==""||r[1]!==""?(this._$AH=Array(r.length-1).fill(new String),this.strings=r):this._$AH=l}_$AI(t,e=this,r,i){let n=this.strings,a=!1;if(n===void 0)t=S(this,t,e,0),a=!P(t)||t!==this._$AH&&t!==x,a&&(this._$AH=t);else{let h=t,o,p;for(t=n[0],o=0;o<n.length-1;o++)p=S(this,h[r+o],e,o),p===x&&(p=this._$AH[o]),a||=!P(p)||p!==this._$AH[o],p===l?t=l:t!==l&&(t+=(p??"")+n[o+1]),this._$AH[o]=p}a&&!i&&this.j(t)}j(t){t===l?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},J=class extends A{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===l?void 0:t}},X=class extends A{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==l)}},Z=class extends A{constructor(t,e,r,i,n){super(t,e,r,i,n),this.type=5}_$AI(t,e=this){if((t=S(this,t,e,0)??l)===x)return;let r=this._$AH,i=t===l&&r!==l||t.capture!==r.capture||t.once!==r.once||t.passive!==r.passive,n=t!==l&&(r===l||i);i&&this.element.removeEventListener(this.name,this,r),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},Q=class{constructor(t,e,r){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=r}get _$AU(){return this._$AM._$AU}_$AI(t){S(this,t)}};var Qt=Y.litHtmlPolyfillSupport;Qt?.(N,H),(Y.litHtmlVersions??=[]).push("3.3.3");var vt=(s,t,e)=>{let r=e?.renderBefore??t,i=r._$litPart$;if(i===void 0){let n=e?.renderBefore??null;r._$litPart$=i=new H(t.insertBefore(T(),n),n,void 0,e??{})}return i._$AI(s),i};var st=globalThis,m=class extends g{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=vt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return x}};m._$litElement$=!0,m.finalized=!0,st.litElementHydrateSupport?.({LitElement:m});var Yt=st.litElementPolyfillSupport;Yt?.({LitElement:m});(st.litElementVersions??=[]).push("4.2.2");var te="component.stepheybot_music.selector.card.options.",ee={title:"Music",search_placeholder:"Artist or album",search:"Search",searching:"Searching\u2026",no_results:"Nothing found for \u201C{query}\u201D.",request:"Request",request_latest:"Latest album",requesting:"Requesting\u2026",retry:"Retry",play:"Play",media_player:"Play on",requests:"Requests",no_requests:"No requests in flight.",library:"Library",artists:"artists",albums:"albums",tracks:"tracks",missing:"missing",group_library:"In your library",group_lidarr:"Lidarr",group_indexers:"Indexers",group_music_brain:"Music Brain",stage_requested:"Requested",stage_searching:"Searching",stage_downloading:"Downloading",stage_importing:"Importing",stage_in_library:"In library",stage_failed:"Failed",stalled:"Stalled",stalled_why:"No progress: no peers, or the VPN is down.",eta:"{time} left",vpn_on:"VPN on",vpn_on_in:"VPN on \xB7 {country}",vpn_down:"VPN down",vpn_unknown:"VPN unknown",vpn_leak:"VPN leak",attention_vpn_down:"{backend}: the VPN is down ({names}); downloads wait for it.",attention_vpn_leak:"{backend}: a download client is seen from your own address, not the VPN's.",attention_reauth:"{backend} rejected its credentials: reauthenticate it on the integration page.",attention_unavailable:"{backend} does not answer.",attention_container:"{backend}: containers not healthy: {names}.",attention_indexers:"{backend}: indexers failing: {names}.",attention_disk:"{backend}: the disk is nearly full{names}.",attention_stalled:"Stalled: {names}.",error:"{message}",choose_stack:"Choose a stack",theme:"Theme",theme_default:"Home Assistant",theme_neon:"Neon",show_attention:"Attention strip",show_search:"Search",show_requests:"Requests",show_library:"Library"},wt;function xt(s){wt=s}function u(s,t,e={}){let r=wt?.(te+t,e);return r||ee[t].replace(/\{(\w+)\}/g,(i,n)=>String(e[n]??""))}var St=["B","KiB","MiB","GiB","TiB"];function rt(s){let t=s,e=0;for(;Math.abs(t)>=1024&&e<St.length-1;)t/=1024,e+=1;let r=e===0||t>=100?0:1;return`${t.toFixed(r)} ${St[e]}`}function se(s){return`${rt(s)}/s`}function re(s){let t=Math.max(0,Math.round(s));if(t<60)return`${t} s`;let e=Math.round(t/60);if(e<60)return`${e} min`;let r=Math.floor(e/60);if(r<24)return e%60?`${r} h ${e%60} min`:`${r} h`;let i=Math.floor(r/24);return r%24?`${i} d ${r%24} h`:`${i} d`}function At(s){if(s.stage==="importing"||s.stage==="in_library")return 100;let t=s.progress??0;return Math.round(Math.min(1,Math.max(0,t))*1e3)/10}function Et(s,t){return s.stalled&&s.stage==="downloading"?u(t,"stalled"):u(t,`stage_${s.stage}`)}function Ct(s,t){if(s.stage==="failed")return s.message??u(t,"stalled_why");if(s.waiting_for){let{text:r,fix:i}=s.waiting_for;return i?`${r} ${i}`:r}if(s.stalled&&s.stage==="downloading")return s.message??u(t,"stalled_why");let e=[];return s.stage==="downloading"&&(s.speed!=null&&e.push(se(s.speed)),s.eta!=null&&s.speed&&e.push(u(t,"eta",{time:re(s.eta)}))),s.size!=null&&s.size>0&&e.push(rt(s.size)),!e.length&&s.message&&e.push(s.message),e.join(" \xB7 ")}function kt(s){return s.stage==="failed"}function Rt(s){return s.stage==="in_library"&&s.kind==="download"}function Tt(s,t){let e={artist:s.artist};return s.album&&(e.album=s.album),t&&(e.media_player=t),e}function Pt(s){return s.album?{artist:s.artist,album:s.album}:{artist:s.artist}}function Nt(s,t){return s?s.leak?{text:u(t,"vpn_leak"),tone:"bad"}:!s.available||s.connected==null?{text:u(t,"vpn_unknown"),tone:"unknown"}:s.connected?{text:s.country?u(t,"vpn_on_in",{country:s.country}):u(t,"vpn_on"),tone:"ok"}:{text:u(t,"vpn_down"),tone:"bad"}:null}var ie=new Set(["vpn_down","vpn_leak","reauth","unavailable","container"]);function Ht(s,t){let e=s.names.join(", ");return s.kind==="disk"&&(e=e?` (${e})`:""),{text:u(t,`attention_${s.kind}`,{backend:s.backend,names:e}),tone:ie.has(s.kind)?"bad":"warn"}}var ne=["library","lidarr","indexers","music_brain"];function ae(s){return s.availability==="in_library"?"library":s.sources.find(e=>e!=="library")??s.sources[0]??"music_brain"}function Mt(s){let t=new Map;for(let e of s){let r=ae(e);t.set(r,[...t.get(r)??[],e])}return ne.filter(e=>t.has(e)).map(e=>({group:e,hits:t.get(e)}))}function Ut(s){return s.availability==="in_library"?null:s.kind==="album"||s.kind==="release"?{result_id:s.id}:s.kind==="artist"?{artist:s.title,latest:!0}:null}function Ot(s){let t=[];return s.kind!=="artist"&&s.artist&&t.push(s.artist),s.year&&t.push(String(s.year)),s.size&&t.push(rt(s.size)),s.seeders!=null&&t.push(`${s.seeders} seeders`),s.indexer&&t.push(s.indexer),t.join(" \xB7 ")}function Lt(s,t){let e=s.library.find(n=>n.artists!=null);if(!e)return null;let r=[`${e.artists} ${u(t,"artists")}`,`${e.albums??"?"} ${u(t,"albums")}`,`${e.tracks??"?"} ${u(t,"tracks")}`],i=s.library.find(n=>n.missing)?.missing;return i&&r.push(`${i} ${u(t,"missing")}`),r.join(" \xB7 ")}function D(s){if(!s||typeof s!="object")throw new Error("Invalid configuration");let t=s.theme??"default";if(t!=="default"&&t!=="neon")throw new Error(`Unknown theme: ${String(t)}`);return{type:s.type??"custom:stepheybot-music-card",entry_id:s.entry_id||void 0,media_player:s.media_player||void 0,theme:t,show_attention:s.show_attention??!0,show_search:s.show_search??!0,show_requests:s.show_requests??!0,show_library:s.show_library??!0}}var I="stepheybot_music",qt=3e3,E=class extends m{constructor(){super(),this._query="",this._searching=!1,this._answers={},this._busy={}}static getConfigElement(){return document.createElement("stepheybot-music-card-editor")}static getStubConfig(){return{type:"custom:stepheybot-music-card"}}setConfig(t){this._config=D(t)}getCardSize(){return 6}getGridOptions(){return{columns:12,min_columns:6,rows:"auto"}}_t(t,e={}){return u(this.hass?.language,t,e)}connectedCallback(){super.connectedCallback(),this.hass&&this._config&&this._subscribe()}disconnectedCallback(){super.disconnectedCallback(),this._unsubscribeNow()}_loadTranslations(){let t=this.hass;!t?.loadBackendTranslation||this._translationsFor===t.language||(this._translationsFor=t.language,t.loadBackendTranslation("selector",I).then(()=>{xt((e,r)=>this.hass?.localize?.(e,r)??""),this.requestUpdate()}).catch(()=>{}))}updated(t){let e=this._config?.entry_id??"";t.has("hass")&&this._loadTranslations(),(t.has("hass")||t.has("_config"))&&this.hass&&this._config&&(this._unsubscribe===void 0||this._subscribedTo!==e)&&this._subscribe()}_unsubscribeNow(){clearTimeout(this._retryTimer);let t=this._unsubscribe;this._unsubscribe=void 0,this._subscribedTo=void 0,t?.then(e=>e()).catch(()=>{})}_subscribe(){if(!this.hass||!this._config)return;this._unsubscribeNow();let t={type:`${I}/subscribe_card_state`};this._config.entry_id&&(t.entry_id=this._config.entry_id),this._subscribedTo=this._config.entry_id??"",this._unsubscribe=this.hass.connection.subscribeMessage(e=>{if("unloaded"in e){this._unsubscribe=void 0,this._retryTimer=setTimeout(()=>this._subscribe(),qt);return}this._error=void 0,this._state=e},t),this._unsubscribe.catch(e=>{this._error=e?.message??String(e),this._unsubscribe=void 0,this._retryTimer=setTimeout(()=>this._subscribe(),qt*5)})}_stackFields(){let t=this._config?.entry_id??this._state?.entry_id;return t?{config_entry_id:t}:{}}async _runSearch(t){t?.preventDefault();let e=this._query.trim();if(!(!e||!this.hass)){this._searching=!0,this._answers={};try{let r={type:`${I}/search`,query:e,limit:20};this._config?.entry_id&&(r.entry_id=this._config.entry_id),this._search=await this.hass.callWS(r),this._error=void 0}catch(r){this._error=r.message??String(r)}finally{this._searching=!1}}}async _request(t,e,r="request_download"){if(this.hass){this._busy={...this._busy,[t]:!0};try{let i=await this.hass.callWS({type:"call_service",domain:I,service:r,service_data:{...this._stackFields(),...e},return_response:!0});this._answers={...this._answers,[t]:i.response.message}}catch(i){this._answers={...this._answers,[t]:i.message??String(i)}}finally{this._busy={...this._busy,[t]:!1}}}}render(){let t=this._config;if(!t)return d``;let e=this._state,r=Nt(e?.vpn[0],this.hass?.language);return d`
      <ha-card class=${t.theme==="neon"?"neon":""}>
        <div class="header">
          <div class="title">${e?.title??this._t("title")}</div>
          ${r?d`<span class="chip ${r.tone}" data-testid="vpn">${r.text}</span>`:l}
        </div>
        ${this._error?d`<div class="error" role="alert">${this._error}</div>`:l}
        ${t.show_attention&&e?this._renderAttention(e):l}
        ${t.show_search?this._renderSearch():l}
        ${t.show_requests&&e?this._renderRequests(e):l}
        ${t.show_library&&e?this._renderLibrary(e):l}
      </ha-card>
    `}_renderAttention(t){return t.attention.length?d`<ul class="attention" data-testid="attention">
      ${t.attention.map(e=>{let r=Ht(e,this.hass?.language);return d`<li class=${r.tone} data-kind=${e.kind}>${r.text}</li>`})}
    </ul>`:l}_renderSearch(){let t=this._search;return d`
      <form class="search" @submit=${this._runSearch}>
        <input
          type="search"
          .value=${this._query}
          placeholder=${this._t("search_placeholder")}
          aria-label=${this._t("search_placeholder")}
          @input=${e=>this._query=e.target.value}
        />
        <button type="submit" ?disabled=${this._searching}>
          ${this._searching?this._t("searching"):this._t("search")}
        </button>
      </form>
      ${t?t.results.length?d`<div class="results" data-testid="results">
              ${Mt(t.results).map(e=>d`<section class="group" data-group=${e.group}>
                  <h3>${this._t(`group_${e.group}`)}</h3>
                  <ul>
                    ${e.hits.map(r=>this._renderHit(r))}
                  </ul>
                </section>`)}
            </div>`:d`<div class="empty">${this._t("no_results",{query:t.query})}</div>`:l}
    `}_renderHit(t){let e=Ut(t),r=this._answers[t.id];return d`<li class="hit" data-kind=${t.kind}>
      ${t.cover?d`<img class="cover" src=${t.cover} alt="" loading="lazy" width="40" height="40" />`:l}
      <div class="text">
        <div class="name">${t.title}</div>
        <div class="detail">${Ot(t)}</div>
        ${r?d`<div class="answer" role="status">${r}</div>`:l}
      </div>
      ${e?d`<button
            class="request"
            ?disabled=${this._busy[t.id]||!!r}
            @click=${()=>this._request(t.id,e)}
          >
            ${this._busy[t.id]?this._t("requesting"):t.kind==="artist"?this._t("request_latest"):this._t("request")}
          </button>`:l}
    </li>`}_renderRequests(t){return d`<section class="requests" data-testid="requests">
      <h2>${this._t("requests")}</h2>
      ${t.requests.length?d`<ul>
            ${t.requests.map(e=>this._renderRequest(e))}
          </ul>`:d`<div class="empty">${this._t("no_requests")}</div>`}
    </section>`}_renderRequest(t){let e=this.hass?.language,r=At(t),i=t.stage==="failed"?"bad":t.stalled?"warn":t.stage==="in_library"?"ok":"",n=`retry:${t.request_id}`,a=`play:${t.request_id}`,h=this._answers[n]??this._answers[a];return d`<li class="request-row ${i}" data-stage=${t.stage} ?data-stalled=${t.stalled}>
      <div class="line">
        <span class="name">${t.title}</span>
        <span class="stage">${Et(t,e)}</span>
      </div>
      <div
        class="bar"
        role="progressbar"
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${r}
        aria-label=${t.title}
      >
        <div class="fill" style="width: ${r}%"></div>
      </div>
      <div class="line detail">
        <span>${Ct(t,e)}</span>
        ${Rt(t)?d`<button
              class="play"
              ?disabled=${this._busy[a]}
              @click=${()=>this._request(a,Tt(t,this._config?.media_player),"play")}
            >
              ${this._t("play")}
            </button>`:l}
        ${kt(t)?d`<button
              class="retry"
              ?disabled=${this._busy[n]||!!h}
              @click=${()=>this._request(n,Pt(t))}
            >
              ${this._t("retry")}
            </button>`:l}
      </div>
      ${h?d`<div class="answer" role="status">${h}</div>`:l}
    </li>`}_renderLibrary(t){let e=Lt(t,this.hass?.language);return e?d`<div class="library" data-testid="library">
      <span class="label">${this._t("library")}</span> <span>${e}</span>
    </div>`:l}};E.properties={hass:{attribute:!1},_config:{state:!0},_state:{state:!0},_error:{state:!0},_query:{state:!0},_searching:{state:!0},_search:{state:!0},_answers:{state:!0},_busy:{state:!0}},E.styles=V`
    :host {
      --sbm-accent: var(--primary-color, #03a9f4);
      --sbm-ok: var(--success-color, #43a047);
      --sbm-warn: var(--warning-color, #ffa600);
      --sbm-bad: var(--error-color, #db4437);
      --sbm-muted: var(--secondary-text-color, #727272);
      --sbm-track: var(--divider-color, rgba(127, 127, 127, 0.25));
      display: block;
    }
    ha-card {
      padding: 12px 16px 16px;
      box-sizing: border-box;
      overflow: hidden;
      max-width: 100%;
    }
    ha-card.neon {
      --sbm-accent: #ff2bd6;
      --sbm-ok: #2bfff1;
      --sbm-warn: #ffd22b;
      --sbm-bad: #ff3b6b;
      --sbm-muted: #b9a6ff;
      --sbm-track: rgba(139, 92, 246, 0.25);
      background: linear-gradient(160deg, #140028 0%, #1b0a3d 55%, #061a3d 100%);
      color: #f3e8ff;
    }
    .header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
      flex-wrap: wrap;
    }
    .title {
      font-size: 1.25em;
      font-weight: 500;
      min-width: 0;
      overflow-wrap: anywhere;
    }
    .neon .title {
      text-shadow: 0 0 8px var(--sbm-accent);
    }
    .chip {
      border-radius: 12px;
      padding: 2px 10px;
      font-size: 0.85em;
      white-space: nowrap;
      color: #fff;
      background: var(--sbm-muted);
    }
    .chip.ok {
      background: var(--sbm-ok);
    }
    .chip.bad {
      background: var(--sbm-bad);
    }
    .error {
      color: var(--sbm-bad);
      margin: 8px 0;
      overflow-wrap: anywhere;
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    .attention {
      margin: 10px 0 4px;
      display: grid;
      gap: 6px;
    }
    .attention li {
      border-left: 4px solid var(--sbm-warn);
      padding: 6px 10px;
      border-radius: 4px;
      background: color-mix(in srgb, var(--sbm-warn) 14%, transparent);
      overflow-wrap: anywhere;
    }
    .attention li.bad {
      border-left-color: var(--sbm-bad);
      background: color-mix(in srgb, var(--sbm-bad) 16%, transparent);
    }
    .search {
      display: flex;
      gap: 8px;
      margin: 12px 0 8px;
    }
    .search input {
      flex: 1 1 auto;
      min-width: 0;
      font: inherit;
      padding: 8px 10px;
      border-radius: 6px;
      border: 1px solid var(--sbm-track);
      background: var(--card-background-color, transparent);
      color: inherit;
    }
    button {
      font: inherit;
      border: none;
      border-radius: 6px;
      padding: 6px 12px;
      background: var(--sbm-accent);
      color: var(--text-primary-color, #fff);
      cursor: pointer;
      flex: 0 0 auto;
      white-space: nowrap;
    }
    button[disabled] {
      opacity: 0.6;
      cursor: default;
    }
    .neon button {
      box-shadow: 0 0 10px var(--sbm-accent);
    }
    h2,
    h3 {
      font-size: 1em;
      font-weight: 500;
      margin: 12px 0 6px;
    }
    h3 {
      color: var(--sbm-muted);
      font-size: 0.9em;
    }
    .results {
      max-height: 420px;
      overflow-y: auto;
      overflow-x: hidden;
    }
    .hit,
    .request-row {
      padding: 6px 0;
      border-bottom: 1px solid var(--sbm-track);
      min-width: 0;
    }
    .hit {
      display: flex;
      align-items: center;
      gap: 8px;
    }
    .cover {
      flex: 0 0 40px;
      width: 40px;
      height: 40px;
      border-radius: 4px;
      object-fit: cover;
    }
    .hit .text {
      flex: 1 1 auto;
      min-width: 0;
    }
    .name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      min-width: 0;
    }
    .detail,
    .answer,
    .empty {
      color: var(--sbm-muted);
      font-size: 0.85em;
      overflow-wrap: anywhere;
    }
    .answer {
      color: var(--sbm-accent);
    }
    .line {
      display: flex;
      justify-content: space-between;
      align-items: center;
      gap: 8px;
      min-width: 0;
    }
    .line .name {
      flex: 1 1 auto;
    }
    .stage {
      flex: 0 0 auto;
      font-size: 0.85em;
    }
    .request-row.ok .stage {
      color: var(--sbm-ok);
    }
    .request-row.warn .stage {
      color: var(--sbm-warn);
    }
    .request-row.bad .stage {
      color: var(--sbm-bad);
    }
    .bar {
      height: 6px;
      border-radius: 3px;
      background: var(--sbm-track);
      margin: 4px 0;
      overflow: hidden;
    }
    .fill {
      height: 100%;
      background: var(--sbm-accent);
      transition: width 0.6s ease;
    }
    .request-row.ok .fill {
      background: var(--sbm-ok);
    }
    .request-row.warn .fill {
      background: var(--sbm-warn);
    }
    .request-row.bad .fill {
      background: var(--sbm-bad);
    }
    .neon .fill {
      background: linear-gradient(90deg, #ff2bd6, #8b5cf6, #2bb8ff);
      box-shadow: 0 0 8px #ff2bd6, 0 0 14px #2bb8ff;
    }
    .library {
      margin-top: 12px;
      font-size: 0.9em;
      overflow-wrap: anywhere;
    }
    .library .label {
      color: var(--sbm-muted);
    }
  `;var oe=[{name:"entry_id",selector:{config_entry:{integration:"stepheybot_music"}}},{name:"theme",selector:{select:{mode:"dropdown",options:[{value:"default",label:"Home Assistant"},{value:"neon",label:"Neon"}]}}},{name:"media_player",selector:{entity:{domain:"media_player"}}},{name:"show_attention",selector:{boolean:{}}},{name:"show_search",selector:{boolean:{}}},{name:"show_requests",selector:{boolean:{}}},{name:"show_library",selector:{boolean:{}}}],le={entry_id:"choose_stack",theme:"theme",media_player:"media_player",show_attention:"show_attention",show_search:"show_search",show_requests:"show_requests",show_library:"show_library"},M=class extends m{setConfig(t){this._config=t}render(){return!this.hass||!this._config?d``:d`<ha-form
      .hass=${this.hass}
      .data=${D(this._config)}
      .schema=${oe}
      .computeLabel=${t=>u(this.hass?.language,le[t.name]??"title")}
      @value-changed=${this._changed}
    ></ha-form>`}_changed(t){t.stopPropagation();let e={...t.detail.value};e.entry_id||delete e.entry_id,e.media_player||delete e.media_player,this._config=e,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:e},bubbles:!0,composed:!0}))}};M.properties={hass:{attribute:!1},_config:{state:!0}};var B="stepheybot-music-card",zt="stepheybot-music-card-editor",de=50,ce=3e4;function he(){customElements.get(B)||customElements.define(B,class extends E{}),customElements.get(zt)||customElements.define(zt,class extends M{})}var ue=Date.now(),Dt=()=>{customElements.get("home-assistant")||Date.now()-ue>ce?he():setTimeout(Dt,de)};Dt();window.customCards=window.customCards??[];window.customCards.some(s=>s.type===B)||window.customCards.push({type:B,name:"StepheyBot Music",description:"Search, request and follow music; what needs attention in the stack.",preview:!1});
