/** What the fake shows, per interface language, as Facebook words it (the worker has its own tables). */
export type FakeLocale = 'en_US' | 'es_LA';
export const fakeLocales: readonly FakeLocale[] = ['en_US', 'es_LA'];

export const htmlLang: Record<FakeLocale, string> = { en_US: 'en', es_LA: 'es' };

export interface FakeTexts {
  home: string;
  marketplace: string;
  whatsOnYourMind: (name: string) => string;
  login: { title: string; email: string; password: string; submit: string; wrong: string };
  checkpoint: { title: string; body: string; continue: string };
  create: {
    heading: string;
    addPhotos: string;
    uploading: string;
    title: string;
    price: string;
    category: string;
    condition: string;
    moreDetails: string;
    description: string;
    location: string;
    next: string;
    publish: string;
    boostSwitch: string;
    boostDialogTitle: string;
    boostNow: string;
    notNow: string;
    leaveTitle: string;
    leave: string;
    stay: string;
    /** The alt layout's extra steps between the fields and Publish. */
    delivery: string;
    pickupOnly: string;
    hideFromFriends: string;
  };
  categories: string[];
  conditions: string[];
  selling: { title: string; listed: string };
  item: { listedIn: (place: string) => string; duplicate: string };
  group: {
    writeSomething: string;
    createPost: string;
    photoVideo: string;
    post: string;
    pending: string;
    coverPhoto: string;
    justNow: string;
    /** A toggle of the alt layout's composer, beside "Post" (which must not be mistaken for it). */
    postAnonymously: string;
  };
  block: { title: string; body: string };
}

/** Facebook's own option names, in the order the fake lists them; the index pairs them across languages. */
const en: FakeTexts = {
  home: 'Home',
  marketplace: 'Marketplace',
  whatsOnYourMind: (name) => `What's on your mind, ${name}?`,
  login: { title: 'Log in to Facebook', email: 'Email or phone number', password: 'Password', submit: 'Log in', wrong: 'The password that you\'ve entered is incorrect.' },
  checkpoint: { title: 'Confirm your identity', body: 'We noticed unusual activity on your account. Confirm it\'s you to continue.', continue: 'Continue' },
  create: {
    heading: 'Item for sale',
    addPhotos: 'Add photos',
    uploading: 'Uploading…',
    title: 'Title',
    price: 'Price',
    category: 'Category',
    condition: 'Condition',
    moreDetails: 'More details',
    description: 'Description',
    location: 'Location',
    next: 'Next',
    publish: 'Publish',
    boostSwitch: 'Boost listing',
    boostDialogTitle: 'Boost your listing?',
    boostNow: 'Boost now',
    notNow: 'Not now',
    leaveTitle: 'Leave page?',
    leave: 'Leave page',
    stay: 'Stay on page',
    delivery: 'Delivery',
    pickupOnly: 'Local pickup only',
    hideFromFriends: 'Hide from friends',
  },
  categories: ['Tools', 'Furniture', 'Household', 'Garden', 'Appliances', 'Electronics', 'Clothing & accessories', 'Toys & games'],
  conditions: ['New', 'Used - like new', 'Used - good', 'Used - fair'],
  selling: { title: 'Your listings', listed: 'Listed' },
  item: {
    listedIn: (place) => `Listed just now in ${place}`,
    duplicate: 'This listing looks like one you already posted. Duplicate listings may be removed.',
  },
  group: {
    writeSomething: 'Write something...',
    createPost: 'Create post',
    photoVideo: 'Photo/video',
    post: 'Post',
    pending: 'Your post is pending admin approval. Admins and moderators will review it.',
    coverPhoto: 'Edit cover photo',
    justNow: 'Just now',
    postAnonymously: 'Post anonymously',
  },
  block: { title: "You're Going Too Fast", body: "You can't use this feature right now. It looks like you were misusing this feature by going too fast." },
};

const es: FakeTexts = {
  home: 'Inicio',
  marketplace: 'Marketplace',
  whatsOnYourMind: (name) => `¿Qué estás pensando, ${name}?`,
  login: { title: 'Iniciar sesión en Facebook', email: 'Correo electrónico o número de teléfono', password: 'Contraseña', submit: 'Iniciar sesión', wrong: 'La contraseña que ingresaste es incorrecta.' },
  checkpoint: { title: 'Confirma tu identidad', body: 'Detectamos actividad inusual en tu cuenta. Confirma que eres tú para continuar.', continue: 'Continuar' },
  create: {
    heading: 'Artículo en venta',
    addPhotos: 'Agregar fotos',
    uploading: 'Subiendo…',
    title: 'Título',
    price: 'Precio',
    category: 'Categoría',
    condition: 'Estado',
    moreDetails: 'Más detalles',
    description: 'Descripción',
    location: 'Ubicación',
    next: 'Siguiente',
    publish: 'Publicar',
    boostSwitch: 'Promocionar publicación',
    boostDialogTitle: '¿Quieres promocionar tu publicación?',
    boostNow: 'Promocionar ahora',
    notNow: 'Ahora no',
    leaveTitle: '¿Salir de la página?',
    leave: 'Salir de la página',
    stay: 'Permanecer en la página',
    delivery: 'Entrega',
    pickupOnly: 'Solo retiro en persona',
    hideFromFriends: 'Ocultar a los amigos',
  },
  categories: ['Herramientas', 'Muebles', 'Artículos para el hogar', 'Jardín', 'Electrodomésticos', 'Electrónica', 'Ropa y accesorios', 'Juguetes y juegos'],
  conditions: ['Nuevo', 'Usado - Como nuevo', 'Usado - Buen estado', 'Usado - Aceptable'],
  selling: { title: 'Tus publicaciones', listed: 'Publicado' },
  item: {
    listedIn: (place) => `Publicado hace un momento en ${place}`,
    duplicate: 'Esta publicación se parece a una que ya publicaste. Las publicaciones duplicadas pueden eliminarse.',
  },
  group: {
    writeSomething: 'Escribe algo...',
    createPost: 'Crear publicación',
    photoVideo: 'Foto/video',
    post: 'Publicar',
    pending: 'Tu publicación está pendiente de aprobación de un administrador.',
    coverPhoto: 'Editar foto de portada',
    justNow: 'Justo ahora',
    postAnonymously: 'Publicar de forma anónima',
  },
  block: { title: 'Vas demasiado rápido', body: 'No puedes usar esta función en este momento. Parece que usaste esta función de forma indebida al ir demasiado rápido.' },
};

export const fakeTexts: Record<FakeLocale, FakeTexts> = { en_US: en, es_LA: es };

/**
 * The alt layout's wording: the same words as another build of Facebook may show them (Title
 * Case, "…" for "...", a longer composer prompt). A person reads them as the same texts.
 */
export const altTexts: Record<FakeLocale, FakeTexts> = {
  en_US: {
    ...en,
    login: { ...en.login, email: 'Email or Phone Number', submit: 'Log In' },
    create: {
      ...en.create,
      heading: 'Item for Sale',
      addPhotos: 'Add Photos',
      boostSwitch: 'Boost Listing',
      boostDialogTitle: 'Boost Your Listing?',
      boostNow: 'Boost Now',
      notNow: 'Not Now',
      leaveTitle: 'Leave Page?',
      leave: 'Leave Page',
      stay: 'Stay on Page',
    },
    selling: { ...en.selling, title: 'Your Listings' },
    group: { ...en.group, writeSomething: 'Write something to the group…', createPost: 'Create Post', photoVideo: 'Photo/Video', justNow: '1m' },
  },
  es_LA: {
    ...es,
    login: { ...es.login, submit: 'Iniciar Sesión' },
    create: {
      ...es.create,
      addPhotos: 'Agregar Fotos',
      boostSwitch: 'Promocionar Publicación',
      notNow: 'Ahora No',
      leaveTitle: '¿Salir de la Página?',
      leave: 'Salir de la Página',
      stay: 'Permanecer en la Página',
    },
    group: { ...es.group, writeSomething: 'Escribe algo…', createPost: 'Crear Publicación', photoVideo: 'Foto/Video', justNow: '1 min' },
  },
};

/** Places the location field suggests: typing a city lists every place of that name. */
export const places = [
  'Austin, Texas',
  'Austin, Minnesota',
  'Boston, Massachusetts',
  'Portland, Oregon',
  'Portland, Maine',
  'Springfield, Illinois',
  'Springfield, Missouri',
  'Madrid, Spain',
  'Ciudad de México, México',
  'Bogotá, Colombia',
];
